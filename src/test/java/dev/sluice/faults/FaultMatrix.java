package dev.sluice.faults;

import dev.sluice.testing.Backends;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The fault matrix of issue 11, as data: every fault a backend, a client or Redis can commit, for a JSON answer and
 * for a stream, each cell with the exact outcome the contract gives the client (status, {@code error.type},
 * {@code error.code}, or for a stream cut after its 200 the in-stream error event of §6.4) and what the request must
 * leave behind in the account's counters and the metrics. {@link FaultMatrixContract} runs every cell against one
 * store.
 *
 * <p>The model {@code m} has two backends ({@code fa}, {@code fb}), both told the same fault, so that a retried fault
 * is seen by both and a fault that is not retried by one, whichever the proxy picks first. {@code refused} has two
 * backends nothing listens on; {@code tm} is an Anthropic model on the same two servers (its answers are read, to be
 * translated); {@code m-patient} is {@code m} with timeouts of seconds. Price: 2 credits per 1k prompt tokens, 1 per 1k completion tokens. Every request asks for
 * {@code max_tokens} {@value #MAX_TOKENS} with a prompt of {@value #PROMPT_TOKENS} estimated tokens.
 *
 * <p>Each cell has an account of its own ({@link Cell#account()}), with every limit that can leak: so that a cell that
 * leaks a slot or a reservation fails itself, and not every cell after it.
 */
final class FaultMatrix {

    static final String MODEL = "m";
    static final String REFUSED_MODEL = "refused";
    static final String TRANSLATED_MODEL = "tm";
    /**
     * {@code m}'s backends with timeouts of seconds: for the cells whose answer must end by itself (a break is reported
     * at once, not when a timeout notices it: the cell's time bound is well under these timeouts), and room for the
     * test to break Redis while a backend holds its answer.
     */
    static final String PATIENT_MODEL = "m-patient";
    /** Text a model may well write: the SSE lines that end an OpenAI and an Anthropic stream. */
    static final String FINAL_EVENTS_TEXT = "A stream ends with data: [DONE] (OpenAI) or event: message_stop.";
    /** The chunks of a stream held after its first (then {@code [DONE]}). */
    static final int HELD_STREAM_CHUNKS = 4;
    static final String[] BACKENDS = {"fa", "fb"};
    static final int CONCURRENCY = 2;
    static final long QUOTA = 100_000;
    static final double CREDITS = 1000.0;
    static final double INPUT_PER_1K = 2.0;
    static final double OUTPUT_PER_1K = 1.0;
    static final int MAX_TOKENS = 40;
    /** "abcdefgh": 8 characters, 4 to a token (contract §4.2). */
    static final int PROMPT_TOKENS = 2;

    /** What a request reserves: 2 prompt tokens at 2.0 per 1k plus 40 answer tokens at 1.0 per 1k = 0.044. */
    static final long ESTIMATE_MICROS = 44_000;
    /** What {@link Replies#CHAT_COMPLETION}'s usage (5 prompt, 7 completion tokens) costs: 0.010 + 0.007. */
    static final long USAGE_MICROS = 17_000;

    private FaultMatrix() {
    }

    /** The answer's kind: a JSON body with a length, or an event stream. */
    enum Body {
        JSON, STREAM;

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    /** How the client ends its side of the exchange. */
    enum Disconnect {
        /** It reads the answer to its end. */
        NONE,
        /** It closes its connection once a backend holds the request, before any answer. */
        BEFORE_ANSWER,
        /** It closes its connection as soon as the answer's status line and headers arrived. */
        AFTER_HEADERS,
        /** It closes its connection after the third chunk of the answer's body. */
        HALF_WAY,
        /** It closes its connection once the stream's final event ({@code [DONE]}) arrived, as SDKs do. */
        AFTER_FINAL_EVENT
    }

    /** When a Redis fault strikes, relative to reading the account's counters and to the request. */
    enum StoreBreak {
        NONE,
        /** Before the counters are read: they are then read from the store the proxy falls back to. */
        BEFORE_COUNTERS,
        /** After the counters are read, right before the request. */
        BEFORE_REQUEST,
        /** Once a backend holds the request: the answer ends while Redis is away. */
        MID_REQUEST
    }

    /** One fault, with the backends' behaviour for it and what the client and the store do around it. */
    enum Fault {
        NONE("no fault", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return body == Body.JSON ? Replies.json(200, Replies.CHAT_COMPLETION) : Replies.sse(3, 10);
            }
        },
        BACKEND_STALL("backend stall", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.stall();
            }
        },
        STALL_AFTER_HEADERS("stall after the headers, before the first body byte", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return body == Body.JSON ? Replies.jsonStalling(0) : Replies.sseStalling(0);
            }
        },
        BACKEND_REFUSAL("backend refusal", REFUSED_MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return NONE.reply(body); // nothing listens on the model's backends
            }
        },
        RESET_BEFORE_FIRST_BYTE("reset before the first byte", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.reset();
            }
        },
        RESET_AFTER_HEADERS("reset after the headers, before the first body byte", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return body == Body.JSON ? Replies.jsonHeadersThenClose(20) : Replies.headersThenClose(20);
            }
        },
        RESET_AFTER_FIRST_BYTE("reset after the first byte", PATIENT_MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                // the connection closes in the tick its first byte (chunk) goes out: the proxy reads both together
                return body == Body.JSON ? Replies.jsonCut(1, 0) : Replies.sseClosedAfterFirstChunk();
            }
        },
        HTTP_500("500", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.status(500, "{\"error\":{\"message\":\"boom\"}}");
            }
        },
        HTTP_503("503", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.status(503, "{\"error\":{\"message\":\"busy\"}}");
            }
        },
        HTTP_429("429", MODEL) {
            @Override
            void prepare(Backends backends, Body body, CompletionStage<Void> released) {
                // each backend asks for another wait: the client gets the largest
                backends.get("fa").reply(Replies.status(429, "{\"error\":{\"message\":\"slow down\"}}", "retry-after", "2"));
                backends.get("fb").reply(Replies.status(429, "{\"error\":{\"message\":\"slow down\"}}", "retry-after", "5"));
            }
        },
        HTTP_529("529", MODEL) {
            @Override
            void prepare(Backends backends, Body body, CompletionStage<Void> released) {
                backends.get("fa").reply(Replies.status(529, "{\"error\":{\"message\":\"overloaded\"}}", "retry-after", "5"));
                backends.get("fb").reply(Replies.status(529, "{\"error\":{\"message\":\"overloaded\"}}", "retry-after", "2"));
            }
        },
        EMPTY_BODY("a 200 with an empty body", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.emptyBody(body == Body.STREAM);
            }
        },
        GARBAGE("garbage", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return body == Body.JSON ? Replies.garbage() : Replies.garbageStream();
            }
        },
        GARBAGE_TRANSLATED("garbage, translated", TRANSLATED_MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return GARBAGE.reply(body);
            }
        },
        CUT_HALF_WAY("cut half way", PATIENT_MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return body == Body.JSON ? Replies.jsonCut(Replies.CHAT_COMPLETION.length() / 2, 30)
                        : Replies.sseBreaking(6, 30, 3);
            }
        },
        FINAL_EVENT_IN_TEXT("an answer whose text holds the final event", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.saying(body == Body.STREAM, FINAL_EVENTS_TEXT);
            }
        },
        RESET_AFTER_LAST_BYTE("reset after the last byte", PATIENT_MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.wholeThenReset(body == Body.STREAM, 3);
            }
        },
        STALL_HALF_WAY("stall half way", MODEL) {
            @Override
            TestBackend.Reply reply(Body body) {
                return body == Body.JSON ? Replies.jsonStalling(Replies.CHAT_COMPLETION.length() / 2)
                        : Replies.sseStalling(2);
            }
        },
        CLIENT_GONE_BEFORE_ANSWER("client gone before the answer", MODEL, Disconnect.BEFORE_ANSWER) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.stall();
            }
        },
        CLIENT_GONE_AFTER_HEADERS("client gone after the 200", MODEL, Disconnect.AFTER_HEADERS) {
            @Override
            TestBackend.Reply reply(Body body) {
                return longAnswer(body);
            }
        },
        CLIENT_GONE_HALF_WAY("client gone half way", MODEL, Disconnect.HALF_WAY) {
            @Override
            TestBackend.Reply reply(Body body) {
                return longAnswer(body);
            }
        },
        CLIENT_GONE_AFTER_FINAL_EVENT("client gone after the stream's final event, before the backend ended it",
                MODEL, Disconnect.AFTER_FINAL_EVENT) {
            @Override
            TestBackend.Reply reply(Body body) {
                return Replies.sseDoneThenStall(3);
            }
        },
        REDIS_KILLED("Redis killed", MODEL, StoreBreak.BEFORE_COUNTERS),
        REDIS_FROZEN("Redis frozen", MODEL, StoreBreak.BEFORE_REQUEST),
        REDIS_RESTARTED("Redis restarted", MODEL, StoreBreak.BEFORE_COUNTERS),
        REDIS_KILLED_MID_REQUEST("Redis killed while the backend answers", PATIENT_MODEL, StoreBreak.MID_REQUEST),
        REDIS_FROZEN_MID_REQUEST("Redis frozen while the backend answers", PATIENT_MODEL, StoreBreak.MID_REQUEST);

        private final String label;
        private final String model;
        private final Disconnect disconnect;
        private final StoreBreak storeBreak;

        Fault(String label, String model) {
            this(label, model, Disconnect.NONE, StoreBreak.NONE);
        }

        Fault(String label, String model, Disconnect disconnect) {
            this(label, model, disconnect, StoreBreak.NONE);
        }

        Fault(String label, String model, StoreBreak storeBreak) {
            this(label, model, Disconnect.NONE, storeBreak);
        }

        Fault(String label, String model, Disconnect disconnect, StoreBreak storeBreak) {
            this.label = label;
            this.model = model;
            this.disconnect = disconnect;
            this.storeBreak = storeBreak;
        }

        /** What every backend answers (the same on both, unless {@link #prepare} says otherwise). */
        TestBackend.Reply reply(Body body) {
            return NONE.reply(body);
        }

        /**
         * Tells the backends how to answer. A fault that strikes while the backend answers holds the answer (a stream
         * after its first chunk) until {@code released} completes: the test breaks Redis, then lets it go on.
         */
        void prepare(Backends backends, Body body, CompletionStage<Void> released) {
            TestBackend.Reply reply = storeBreak != StoreBreak.MID_REQUEST ? reply(body)
                    : body == Body.JSON ? Replies.gated(released, Replies.json(200, Replies.CHAT_COMPLETION))
                    : Replies.sseGated(released, HELD_STREAM_CHUNKS);
            for (String name : BACKENDS) {
                backends.get(name).reply(reply);
            }
        }

        String model() {
            return model;
        }

        Disconnect disconnect() {
            return disconnect;
        }

        StoreBreak storeBreak() {
            return storeBreak;
        }

        @Override
        public String toString() {
            return label;
        }

        /** An answer that takes about a second, in many pieces: long enough for a client to leave half way. */
        private static TestBackend.Reply longAnswer(Body body) {
            return body == Body.JSON ? Replies.jsonInParts(20, 50) : Replies.sse(20, 50);
        }
    }

    /** How the answer ends for the client. */
    enum Ending {
        /** Read to its end: a whole success body, or the error envelope. */
        COMPLETE,
        /** A 200 whose declared length never came: the connection closed under the body (§6.4, README). */
        CUT,
        /** A 200 event stream that ends with one {@code event: error} (contract §6.4). */
        ERROR_EVENT,
        /** The client left: nothing more is expected of the answer. */
        ABANDONED
    }

    /** What the request's credit reservation settles to (contract §4.2). */
    enum Settle {
        /** Nothing reached the client: the reservation is given back whole. */
        REFUND(0),
        /** The answer's usage: 5 prompt and 7 completion tokens. */
        USAGE(USAGE_MICROS),
        /** An answer without usage (a stream without a usage chunk, a cut body): the estimate stands. */
        ESTIMATE(ESTIMATE_MICROS);

        private final long micros;

        Settle(long micros) {
            this.micros = micros;
        }

        long micros() {
            return micros;
        }
    }

    /** Where the request's counters are found once it ended. */
    enum Counters {
        /** In the account's store, read through {@code GET /v1/usage} before and after. */
        STORE,
        /**
         * Redis answered the admission after the proxy had decided without it: Redis takes it back, so its counters
         * end as they were (the request counted in the fallback store instead).
         */
        TAKEN_BACK,
        /** Redis restarted (empty) under the request: nothing to compare but that it holds no slot. */
        LOST,
        /**
         * No backend took the request (no connection to any could be had): it is taken back out of the quota and its
         * credits are given back, as if it had not been admitted.
         */
        UNCOUNTED
    }

    /**
     * The outcome a cell expects. Built once, in the table below, with the fluent setters; read-only after.
     */
    static final class Expected {
        int status;
        String type;
        String code;
        String origin = "router";
        Ending ending = Ending.COMPLETE;
        /**
         * The exact body of a success; for an answer cut or ended by an error event, exactly what was relayed before
         * the cut or the event; null when the body is not compared.
         */
        String body;
        /** Longest the client may wait for its answer. */
        long maxMillis = 3_000;
        int attempts = -1;
        /** The code every attempt listed in the envelope has. */
        String attemptCode;
        /** The status of each attempt whose backend answered a status line and then failed; null when none did. */
        Integer attemptStatus;
        Integer upstreamStatus;
        String retryAfter;
        int backendRequests = 1;
        int retries;
        String retryReason;
        Settle settle = Settle.REFUND;
        Counters counters = Counters.STORE;
        boolean upstreamCancelled;
        boolean storeErrors;
        int metricStatus;
        String metricCode;
        String metricOrigin;
        /**
         * True where Redis is killed: the Redis client used to log "Unhandled Error … Connection reset" at ERROR then
         * (issue 11, bug 5; fixed in main by beeec33). The cell asserts no ERROR line like every other; the mark
         * makes that assertion's failure easy to tell apart.
         */
        boolean knownRedisClientError;

        static Expected success(Settle settle, String body) {
            Expected expected = new Expected();
            expected.status = 200;
            expected.settle = settle;
            expected.body = body;
            expected.origin = "provider";
            return expected.metric(200, "ok", "provider");
        }

        static Expected error(int status, String type, String code) {
            Expected expected = new Expected();
            expected.status = status;
            expected.type = type;
            expected.code = code;
            return expected.metric(status, code, "router");
        }

        /** A 200 whose answer breaks after its first byte: cut (JSON) or ended by an error event (stream). */
        static Expected brokenAfterCommit(Body body) {
            Expected expected = new Expected();
            expected.status = 200;
            expected.ending = body == Body.JSON ? Ending.CUT : Ending.ERROR_EVENT;
            expected.settle = Settle.ESTIMATE;
            return expected.metric(502, "backend_stream_error", "router");
        }

        /** The client went away: no answer to read, the request counted as nginx's 499. */
        static Expected clientGone(int statusSeen, Settle settle) {
            Expected expected = new Expected();
            expected.status = statusSeen;
            expected.ending = Ending.ABANDONED;
            expected.settle = settle;
            expected.upstreamCancelled = true;
            return expected.metric(499, "client_closed", "router");
        }

        /** The client read the whole answer, then closed its connection before the backend ended it. */
        Expected leftAtTheEnd() {
            this.ending = Ending.ABANDONED;
            return this;
        }

        Expected origin(String origin) {
            this.origin = origin;
            return this;
        }

        /** The envelope lists {@code attempts} attempts, each ended with {@code code}. */
        Expected attempts(int attempts, String code) {
            this.attempts = attempts;
            this.attemptCode = code;
            return this;
        }

        /** Each attempt's backend answered this status line before it failed (§3.1: the attempt carries it). */
        Expected answeredWith(int status) {
            this.attemptStatus = status;
            return this;
        }

        Expected relayedFirst(String body) {
            this.body = body;
            return this;
        }

        Expected within(long millis) {
            this.maxMillis = millis;
            return this;
        }

        Expected upstreamStatus(int status) {
            this.upstreamStatus = status;
            return this;
        }

        Expected retryAfter(String seconds) {
            this.retryAfter = seconds;
            return this;
        }

        Expected backendRequests(int requests) {
            this.backendRequests = requests;
            return this;
        }

        /** One retry, after a failure of this attempt code, on the other backend. */
        Expected retried(String reason) {
            this.retries = 1;
            this.retryReason = reason;
            this.backendRequests = 2;
            return this;
        }

        Expected upstreamCancelled() {
            this.upstreamCancelled = true;
            return this;
        }

        Expected counters(Counters counters) {
            this.counters = counters;
            return this;
        }

        Expected storeErrors() {
            this.storeErrors = true;
            return this;
        }

        Expected knownRedisClientError() {
            this.knownRedisClientError = true;
            return this;
        }

        Expected metric(int status, String code, String origin) {
            this.metricStatus = status;
            this.metricCode = code;
            this.metricOrigin = origin;
            return this;
        }
    }

    /** One cell: a fault, for one kind of answer, and what it must end in. */
    record Cell(Fault fault, Body body, Expected expected) {

        /** The cell's own account, e.g. {@code matrix-http-503-stream}. */
        String account() {
            return account(fault, body);
        }

        String key() {
            return "sk-" + account();
        }

        static String account(Fault fault, Body body) {
            return "matrix-" + fault.name().toLowerCase().replace('_', '-') + "-" + body;
        }

        @Override
        public String toString() {
            return fault + ", " + body;
        }
    }

    /** The success body a backend sends for {@link Fault#NONE}. */
    static String successBody(Body body) {
        if (body == Body.JSON) {
            return Replies.CHAT_COMPLETION;
        }
        return Replies.chunk(0).toString() + Replies.chunk(1) + Replies.chunk(2) + "data: [DONE]\n\n";
    }

    /** Every cell for a store; the Redis faults only where Redis is the store. */
    static List<Cell> cells(boolean redis) {
        List<Cell> cells = new ArrayList<>();
        for (Body body : Body.values()) {
            boolean json = body == Body.JSON;
            cells.add(new Cell(Fault.NONE, body, Expected.success(json ? Settle.USAGE : Settle.ESTIMATE,
                    successBody(body))));
            // a timeout is not retried (retry-on-timeout: false, §6.3), and the backend is told at once
            cells.add(new Cell(Fault.BACKEND_STALL, body, Expected.error(504, "server_error", "backend_timeout")
                    .attempts(1, "backend_timeout").upstreamCancelled()));
            cells.add(new Cell(Fault.STALL_AFTER_HEADERS, body, Expected.error(504, "server_error", "backend_timeout")
                    .attempts(1, "backend_timeout").answeredWith(200).upstreamCancelled()));
            cells.add(new Cell(Fault.BACKEND_REFUSAL, body, Expected.error(502, "server_error", "backend_connect_error")
                    .attempts(2, "backend_connect_error").retried("backend_connect_error").backendRequests(0)
                    .counters(Counters.UNCOUNTED)));
            cells.add(new Cell(Fault.RESET_BEFORE_FIRST_BYTE, body,
                    Expected.error(502, "server_error", "backend_connect_error")
                            .attempts(2, "backend_connect_error").retried("backend_connect_error")));
            // the 200 is committed only with the first body byte (§6.4): still retried; the backend answered its
            // status line, so an answer that cannot be read, under that status, not a connection failure
            cells.add(new Cell(Fault.RESET_AFTER_HEADERS, body,
                    Expected.error(502, "server_error", "invalid_provider_response")
                            .attempts(2, "invalid_provider_response").answeredWith(200)
                            .retried("invalid_provider_response")));
            // never retried once a byte reached the client (§6.3); the break is reported at once, not by a timeout
            cells.add(new Cell(Fault.RESET_AFTER_FIRST_BYTE, body, Expected.brokenAfterCommit(body).within(2_000)
                    .relayedFirst(json ? Replies.CHAT_COMPLETION.substring(0, 1) : Replies.chunk(0).toString())));
            // a 500 is not retried (§6.3)
            cells.add(new Cell(Fault.HTTP_500, body, Expected.error(502, "server_error", "backend_http_error")
                    .attempts(1, "http_500").upstreamStatus(500)));
            cells.add(new Cell(Fault.HTTP_503, body, Expected.error(502, "server_error", "backend_http_error")
                    .attempts(2, "http_503").upstreamStatus(503).retried("http_503")));
            for (Fault overloaded : new Fault[] {Fault.HTTP_429, Fault.HTTP_529}) {
                // every attempt overloaded (§3.2): 429 from the provider, the largest Retry-After
                cells.add(new Cell(overloaded, body, Expected.error(429, "rate_limit_error", "rate_limit_exceeded")
                        .origin("provider").retryAfter("5").retried("http_" + overloaded)
                        .metric(429, "rate_limit_exceeded", "provider")));
            }
            // no 200 is committed before a body byte (§6.4): an answer without one is unreadable, retried like a 502
            cells.add(new Cell(Fault.EMPTY_BODY, body, Expected.error(502, "server_error", "invalid_provider_response")
                    .attempts(2, "invalid_provider_response").answeredWith(200).retried("invalid_provider_response")));
            // an untranslated answer reaches the client unchanged (§1); it carries no usage: the estimate stands
            cells.add(new Cell(Fault.GARBAGE, body,
                    Expected.success(Settle.ESTIMATE, json ? "<html>not json" : Replies.GARBAGE_EVENTS)));
            cells.add(new Cell(Fault.GARBAGE_TRANSLATED, body, json
                    // a translated answer is read before the client sees it: retried like a 502 (§9)
                    ? Expected.error(502, "server_error", "invalid_provider_response")
                            .attempts(2, "invalid_provider_response").answeredWith(200).retried("invalid_provider_response")
                    // a stream is translated as it arrives: its 200 is out, it ends with the error event (§9, §6.4)
                    : Expected.brokenAfterCommit(body).relayedFirst("")));
            cells.add(new Cell(Fault.CUT_HALF_WAY, body, Expected.brokenAfterCommit(body).within(2_000).relayedFirst(json
                    ? Replies.CHAT_COMPLETION.substring(0, Replies.CHAT_COMPLETION.length() / 2)
                    : Replies.chunk(0).toString() + Replies.chunk(1) + Replies.chunk(2))));
            // not a fault but a trap for the proxy: the text is not the end of the stream, its usage settles
            cells.add(new Cell(Fault.FINAL_EVENT_IN_TEXT, body, Expected.success(Settle.USAGE, json
                    ? Replies.chatCompletionSaying(FINAL_EVENTS_TEXT) : Replies.streamSaying(FINAL_EVENTS_TEXT))));
            // the client has the whole answer before the backend's connection breaks: it is complete
            cells.add(new Cell(Fault.RESET_AFTER_LAST_BYTE, body, Expected.success(
                    json ? Settle.USAGE : Settle.ESTIMATE, successBody(body)).within(2_000)));
            // the idle timeout cuts it, and the backend is told at once
            cells.add(new Cell(Fault.STALL_HALF_WAY, body, Expected.brokenAfterCommit(body).upstreamCancelled()
                    .relayedFirst(json ? Replies.CHAT_COMPLETION.substring(0, Replies.CHAT_COMPLETION.length() / 2)
                            : Replies.chunk(0).toString() + Replies.chunk(1))));
            // a client that leaves cancels the upstream request and frees its slot at once (§6.4)
            cells.add(new Cell(Fault.CLIENT_GONE_BEFORE_ANSWER, body, Expected.clientGone(0, Settle.REFUND)));
            // an answer that started settles as answered: without usage, the estimate stands (§4.2)
            cells.add(new Cell(Fault.CLIENT_GONE_AFTER_HEADERS, body, Expected.clientGone(200, Settle.ESTIMATE)));
            cells.add(new Cell(Fault.CLIENT_GONE_HALF_WAY, body, Expected.clientGone(200, Settle.ESTIMATE)));
            if (!json) {
                // the client had its whole answer: answered, not 499; the backend still holding it open is told
                cells.add(new Cell(Fault.CLIENT_GONE_AFTER_FINAL_EVENT, body, Expected.success(Settle.ESTIMATE,
                        successBody(body)).leftAtTheEnd().upstreamCancelled()));
            }
            if (redis) {
                Settle answered = json ? Settle.USAGE : Settle.ESTIMATE;
                String success = successBody(body);
                String slow = json ? success : slowStream();
                // redis-failure: local (§4.5): the same limits, kept in the instance, counted there
                cells.add(new Cell(Fault.REDIS_KILLED, body, Expected.success(answered, success).storeErrors()
                        .knownRedisClientError()));
                // never held past redis-timeout (§4.5); the late admission is taken back in Redis
                cells.add(new Cell(Fault.REDIS_FROZEN, body, Expected.success(answered, success).storeErrors()
                        .counters(Counters.TAKEN_BACK).within(1_000)));
                // back on Redis within 5 s (§4.5), an empty Redis: counted there
                cells.add(new Cell(Fault.REDIS_RESTARTED, body, Expected.success(answered, success).storeErrors()
                        .knownRedisClientError()));
                // the answer goes out whole; the release is lost with Redis' data, and no slot is left held
                cells.add(new Cell(Fault.REDIS_KILLED_MID_REQUEST, body, Expected.success(answered, slow)
                        .storeErrors().counters(Counters.LOST).knownRedisClientError()));
                // the last bytes wait until the release is sent, not for Redis' answer; Redis is kept frozen past
                // redis-timeout (RedisFaultMatrixTest), and the release is sent again until Redis answers: the slot
                // and the settlement are not lost
                cells.add(new Cell(Fault.REDIS_FROZEN_MID_REQUEST, body, Expected.success(answered, slow)
                        .storeErrors().within(1_000)));
            }
        }
        return cells;
    }

    private static String slowStream() {
        StringBuilder stream = new StringBuilder();
        for (int i = 0; i < HELD_STREAM_CHUNKS; i++) {
            stream.append(Replies.chunk(i));
        }
        return stream.append("data: [DONE]\n\n").toString();
    }
}
