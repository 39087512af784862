package dev.sluice.admin;

import static dev.sluice.admin.AdminBodies.invalid;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.control.ControlPlane;
import dev.sluice.control.ControlStore;
import dev.sluice.config.Durations;
import dev.sluice.control.Generation;
import dev.sluice.control.RuntimeAccount;
import dev.sluice.control.RuntimeKey;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Accounts;
import dev.sluice.limits.Admission;
import dev.sluice.limits.Credits;
import dev.sluice.routing.Protocol;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * What the admin API does (contract §10.1), behind its resources: keys and accounts created at run time in the
 * {@link ControlStore}, credits changed in the limit store, the configuration file's keys and accounts read-only.
 * Never logs a secret; a generated secret leaves the proxy once, in the answer that creates it.
 *
 * <p>Thread-safe; never blocks.
 */
@Singleton
public class AdminService {

    private static final Logger LOGGER = Logger.getLogger(AdminService.class);

    /** {@code sk-sluice-} and 40 characters of [A-Za-z0-9]: about 238 random bits. */
    static final String SECRET_PREFIX = "sk-sluice-";
    private static final int SECRET_LENGTH = 40;
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** A key's name labels it in lists and logs: a line's worth. */
    static final int MAX_KEY_NAME = 256;
    private static final Set<String> KEY_FIELDS = Set.of("account", "name", "models", "protocols", "expires_at");
    private static final Set<String> ACCOUNT_FIELDS = Set.of("plan", "concurrency", "requests-per-window", "window",
            "rate", "burst", "tokens-per-minute");
    private static final Set<String> CREDIT_FIELDS = Set.of("amount");

    private final ControlPlane control;
    private final ControlStore store;
    private final Admission admission;

    AdminService(ControlPlane control, ControlStore store, Admission admission) {
        this.control = control;
        this.store = store;
        this.admission = admission;
    }

    /** POST /admin/v1/keys: the key object plus its secret, shown only here. */
    Future<JsonObject> createKey(String contentType, byte[] body, AdminAudit.Notes notes) {
        JsonObject request = AdminBodies.object(contentType, body, KEY_FIELDS);
        Generation generation = control.generation();
        String account = AdminBodies.string(request, "account", true);
        if (generation.account(account) == null) {
            throw invalid("account", "There is no account '" + account + "'; create it first.");
        }
        String name = AdminBodies.string(request, "name", false);
        if (name != null && (name.length() > MAX_KEY_NAME || name.chars().anyMatch(Character::isISOControl))) {
            throw invalid("name", "A key's name is at most " + MAX_KEY_NAME + " characters, none of them control characters.");
        }
        List<String> models = AdminBodies.strings(request, "models");
        if (models != null) {
            for (int i = 0; i < models.size(); i++) {
                if (generation.catalog().model(models.get(i)) == null) {
                    throw invalid("models[" + i + "]", "There is no model '" + models.get(i) + "'.");
                }
            }
        }
        List<String> protocols = AdminBodies.strings(request, "protocols");
        if (protocols != null) {
            List<String> named = new java.util.ArrayList<>(protocols.size());
            for (int i = 0; i < protocols.size(); i++) {
                try {
                    // stored and shown as the configuration file names them, whatever the case they were sent in
                    named.add(Protocol.parse(protocols.get(i)).wire());
                } catch (IllegalArgumentException e) {
                    throw invalid("protocols[" + i + "]", "A protocol is 'openai' or 'anthropic'.");
                }
            }
            protocols = List.copyOf(named);
        }
        long now = System.currentTimeMillis();
        long expiresAt = expiresAt(AdminBodies.string(request, "expires_at", false), now);
        String secret = secret();
        RuntimeKey key = new RuntimeKey(id(), KeyRing.sha256(secret), account, name, models, protocols, now, expiresAt);
        return sentToStore(() -> store.createKey(key)).map(created -> {
            notes.note("key_id", key.id());
            notes.note("account", account);
            return key.toJson().put("source", "runtime").put("key", secret);
        });
    }

    private static long expiresAt(String text, long now) {
        if (text == null) {
            return 0;
        }
        long expiresAt;
        try {
            OffsetDateTime parsed = OffsetDateTime.parse(text);
            if (parsed.getYear() > 9999) {
                // java.time reads +999999999-12-31T…: not RFC 3339 (four digits), and past what a long of ms holds
                throw new DateTimeParseException("year past 9999", text, 0);
            }
            expiresAt = parsed.toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw invalid("expires_at", "'expires_at' must be an RFC 3339 timestamp such as 2026-12-31T23:59:59Z.");
        }
        if (expiresAt <= now) {
            throw invalid("expires_at", "'expires_at' must be in the future.");
        }
        return expiresAt;
    }

    /** GET /admin/v1/keys: the runtime keys, of one account or all; never a secret or a hash. */
    JsonObject listKeys(String account) {
        JsonArray data = new JsonArray();
        for (RuntimeKey key : control.generation().runtime().keys().values()) {
            if (account == null || account.equals(key.account())) {
                data.add(key.toJson().put("source", "runtime"));
            }
        }
        return new JsonObject().put("object", "list").put("data", data);
    }

    /** GET /admin/v1/keys/{id}: a runtime key, or a key of the file (its id from its fingerprint). */
    JsonObject key(String id) {
        Generation generation = control.generation();
        RuntimeKey key = generation.runtime().keys().get(id);
        if (key != null) {
            return key.toJson().put("source", "runtime");
        }
        ApiKey fileKey = fileKey(generation, id);
        if (fileKey == null) {
            throw unknown("key", id);
        }
        JsonObject json = new JsonObject().put("id", id).put("object", "key").put("account", fileKey.account());
        if (fileKey.models() != null) {
            json.put("models", new JsonArray(fileKey.models().stream().sorted().toList()));
        }
        if (fileKey.protocols() != null) {
            json.put("protocols", new JsonArray(fileKey.protocols().stream().map(Protocol::wire).sorted().toList()));
        }
        return json.put("source", "file");
    }

    /** DELETE /admin/v1/keys/{id}. */
    Future<Void> deleteKey(String id) {
        if (fileKey(control.generation(), id) != null) {
            throw ProxyError.of(ErrorCode.CONFLICT, "Key " + id + " comes from the configuration file, which is "
                    + "read-only here; remove it from the file.");
        }
        return sentToStore(() -> store.deleteKey(id)).map(deleted -> {
            if (!deleted) {
                throw unknown("key", id);
            }
            return null;
        });
    }

    /** A key of the file is named {@code key_} and the first 12 hex digits of its SHA-256, its fingerprint. */
    private static ApiKey fileKey(Generation generation, String id) {
        if (!id.startsWith("key_")) {
            return null;
        }
        String fingerprint = id.substring(4);
        for (ApiKey key : generation.file().keys().all()) {
            if (key.fingerprint().equals(fingerprint)) {
                return key;
            }
        }
        return null;
    }

    /** PUT /admin/v1/accounts/{name}: creates or replaces a runtime account. */
    Future<JsonObject> putAccount(String name, String contentType, byte[] body) {
        Generation generation = control.generation();
        if (generation.fileAccount(name)) {
            throw readOnly(name);
        }
        if (!ACCOUNT_NAME.matcher(name).matches()) {
            throw invalid("account", "An account name is 1 to 64 of [A-Za-z0-9._-], starting with a letter or digit.");
        }
        JsonObject request = AdminBodies.object(contentType, body, ACCOUNT_FIELDS);
        Long concurrency = AdminBodies.integer(request, "concurrency");
        if (concurrency != null && (concurrency > Integer.MAX_VALUE || concurrency < Integer.MIN_VALUE)) {
            throw invalid("concurrency", "'concurrency' is too large.");
        }
        String window = AdminBodies.string(request, "window", false);
        Duration windowDuration = null;
        if (window != null) {
            try {
                windowDuration = Durations.parse(window);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw invalid("window", "'window' must be a duration such as 1h, 30m or 90s.");
            }
        }
        Long requests = AdminBodies.integer(request, "requests-per-window");
        Double rate = AdminBodies.number(request, "rate");
        Double burst = AdminBodies.number(request, "burst");
        Long tokens = AdminBodies.integer(request, "tokens-per-minute");
        RuntimeAccount account = new RuntimeAccount(name, Optional.ofNullable(AdminBodies.string(request, "plan", false)),
                concurrency == null ? OptionalInt.empty() : OptionalInt.of(concurrency.intValue()),
                requests == null ? OptionalLong.empty() : OptionalLong.of(requests),
                Optional.ofNullable(windowDuration),
                rate == null ? OptionalDouble.empty() : OptionalDouble.of(rate),
                burst == null ? OptionalDouble.empty() : OptionalDouble.of(burst),
                tokens == null ? OptionalLong.empty() : OptionalLong.of(tokens));
        // the same checks as an account of the configuration file
        ConfigProblems problems = new ConfigProblems();
        Accounts.account(name, account, generation.file().plans(), generation.file().defaultWindow(), "body", problems);
        if (!problems.list().isEmpty()) {
            String problem = problems.list().get(0);
            String path = problem.substring(0, problem.indexOf(':'));
            String param = path.startsWith("body.") ? path.substring(5) : null;
            throw invalid(param, (param == null ? "The account" : "'" + param + "'") + problem.substring(path.length())
                    .replaceFirst("^:", "") + ".");
        }
        // a new account of a name whose earlier account a reload removed: that account's runtime keys, kept dormant
        // in case the file gives the account back, must not come back to life for someone else
        List<RuntimeKey> dormantKeys = generation.account(name) != null ? List.of()
                : generation.runtime().keys().values().stream().filter(key -> key.account().equals(name)).toList();
        return sentToStore(() -> {
            Future<Void> cleared = Future.succeededFuture();
            for (RuntimeKey dormant : dormantKeys) {
                cleared = cleared.compose(done -> store.deleteKey(dormant.id()).mapEmpty());
            }
            return cleared.compose(done -> store.putAccount(account));
        }).map(done -> accountObject(name, account, "runtime"));
    }

    /** GET /admin/v1/accounts/{name}: the account object and its usage, as GET /v1/usage answers it. */
    Future<JsonObject> account(String name) {
        Generation generation = control.generation();
        AccountLimits limits = generation.account(name);
        if (limits == null) {
            throw unknown("account", name);
        }
        JsonObject account = generation.fileAccount(name)
                ? accountObject(name, generation.file().accountConfigs().get(name), "file")
                : accountObject(name, generation.runtime().accounts().get(name), "runtime");
        return admission.report(limits).map(usage -> account.put("usage", usage));
    }

    /** DELETE /admin/v1/accounts/{name}: the account and its runtime keys. */
    Future<Void> deleteAccount(String name) {
        Generation generation = control.generation();
        if (generation.fileAccount(name)) {
            throw readOnly(name);
        }
        AccountLimits limits = generation.account(name);
        return sentToStore(() -> store.deleteAccount(name)).compose(deleted -> {
            if (!deleted) {
                return Future.failedFuture(unknown("account", name));
            }
            return limits != null ? admission.forget(limits) : Future.<Void>succeededFuture();
        });
    }

    /**
     * POST /admin/v1/accounts/{name}/credits: adds {@code amount} (or takes it, when negative) atomically with the
     * requests in flight. An account that had no balance gets one, and admission counts its credits from then on.
     */
    Future<JsonObject> addCredits(String name, String contentType, byte[] body, AdminAudit.Notes notes) {
        AccountLimits limits = control.generation().account(name);
        if (limits == null) {
            throw unknown("account", name);
        }
        JsonObject request = AdminBodies.object(contentType, body, CREDIT_FIELDS);
        Double amount = AdminBodies.number(request, "amount");
        if (amount == null) {
            throw invalid("amount", "'amount' is required.");
        }
        if (Math.abs(amount) > Credits.MAX_CREDITS) {
            throw invalid("amount", "'amount' must be between -" + (long) Credits.MAX_CREDITS + " and "
                    + (long) Credits.MAX_CREDITS + ".");
        }
        if (Credits.toMicros(amount) == 0) {
            // it would change nothing, yet give an account without a balance one of 0: every priced request refused
            throw invalid("amount", "'amount' must be at least 0.000001 credits, to add or to take.");
        }
        boolean newBalance = limits.credits() == null;
        AccountLimits withBalance = newBalance ? limits.withCredits(0) : limits;
        return admission.topUp(withBalance, Credits.toMicros(amount)).compose(topUp -> {
            if (!topUp.applied()) {
                return Future.failedFuture(invalid("amount", "The account has " + Credits.fromMicros(topUp.balanceMicros())
                        + " credits; " + (amount < 0 ? "a deduction may not take them below zero."
                                : "a balance may not go above " + (long) Credits.MAX_CREDITS + ".")));
            }
            notes.note("amount", Credits.fromMicros(Credits.toMicros(amount)));
            notes.note("credits_available", Credits.fromMicros(topUp.balanceMicros()));
            Future<Void> marked = newBalance ? stored(store.markCredited(name)) : Future.succeededFuture();
            return marked.map(done -> new JsonObject().put("account", name)
                    .put("credits", new JsonObject().put("available", Credits.fromMicros(topUp.balanceMicros()))));
        });
    }

    /**
     * Sends a change to the store, unless the limit store has Redis marked down (it did not answer the request path,
     * and its probe has not seen it back): then the change is refused at once, not sent, rather than left waiting for
     * the store's whole deadline.
     */
    private <T> Future<T> sentToStore(Supplier<Future<T>> change) {
        if (admission.redisMarkedDown()) {
            return Future.failedFuture(ProxyError.of(ErrorCode.LIMIT_STORE_UNAVAILABLE,
                    "The store of runtime keys and accounts (Redis) does not answer; nothing was changed; try again."));
        }
        return stored(change.get());
    }

    /**
     * A store that does not answer (Redis away) answers 503 {@code limit_store_unavailable}, never a bare 500. One
     * that was sent the change and did not answer in time may still apply it: the answer says so, and so does the log,
     * since a blind retry would apply it twice (a key made twice, the first one's secret never shown).
     */
    private static <T> Future<T> stored(Future<T> change) {
        return change.recover(failure -> {
            if (failure instanceof ProxyError) {
                return Future.failedFuture(failure);
            }
            if (failure instanceof TimeoutException) {
                LOGGER.warnf("An admin change got no answer from Redis in time (%s): it may still be applied",
                        failure.getMessage());
                return Future.failedFuture(ProxyError.of(ErrorCode.LIMIT_STORE_UNAVAILABLE, Admission.UNANSWERED_CHANGE));
            }
            return Future.failedFuture(ProxyError.of(ErrorCode.LIMIT_STORE_UNAVAILABLE,
                    "The store of runtime keys and accounts (Redis) did not answer; try again."));
        });
    }

    private static JsonObject accountObject(String name, SluiceConfig.Account account, String source) {
        JsonObject json = new JsonObject().put("object", "account").put("account", name);
        json.mergeIn(RuntimeAccount.limits(account));
        return json.put("source", source);
    }

    private static ProxyError readOnly(String account) {
        return ProxyError.of(ErrorCode.CONFLICT, "Account '" + account + "' comes from the configuration file, which "
                + "is read-only here; change it in the file (credits may be added).");
    }

    private static ProxyError unknown(String what, String name) {
        return ProxyError.of(ErrorCode.NOT_FOUND, "There is no " + what + " '" + name + "'.");
    }

    /** {@code sk-sluice-} and 40 characters of [A-Za-z0-9] from a SecureRandom (each character unbiased). */
    static String secret() {
        char[] secret = new char[SECRET_LENGTH];
        for (int i = 0; i < SECRET_LENGTH; i++) {
            secret[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return SECRET_PREFIX + new String(secret);
    }

    /** {@code key_} and 12 random hex digits. */
    static String id() {
        byte[] bits = new byte[6];
        RANDOM.nextBytes(bits);
        return "key_" + HexFormat.of().formatHex(bits).toLowerCase(Locale.ROOT);
    }
}
