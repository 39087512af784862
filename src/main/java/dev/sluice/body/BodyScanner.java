package dev.sluice.body;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.base.ParserBase;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import java.io.IOException;
import java.util.LinkedHashMap;

/**
 * Reads a JSON request body once. Without a tree it walks only the top level and skips every nested value
 * (tokenised, so malformed JSON is still caught, but nothing is allocated for it); with a tree it builds the nested
 * values as it goes, in the same pass.
 *
 * <p>Thread-safe; called on event-loop threads, does no I/O.
 */
public final class BodyScanner {

    /** Contract §12: deeper JSON is refused as {@code invalid_json}; numbers and strings keep Jackson's limits. */
    static final int MAX_NESTING = 128;

    /** The tree's nodes; decimals keep their digits and scale ({@code 1.0} stays {@code 1.0}; the default strips zeros). */
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build();

    /**
     * A string longer than this many bytes stays as the body's bytes in the tree ({@link LazyTextNode}) until read:
     * the text of messages, mostly. Shorter ones (names, roles, types, which the checks read) are decoded at once.
     */
    static final int DECODED_AT_MOST = 64;

    private BodyScanner() {
    }

    /** A parser of {@code bytes[offset, offset + length)} with the scan's limits. */
    static JsonParser parser(byte[] bytes, int offset, int length) throws IOException {
        return FACTORY.createParser(bytes, offset, length);
    }

    /**
     * Scans {@code bytes[0, length)}.
     *
     * @throws ProxyError {@code invalid_json} when the body is not JSON, {@code schema_validation_failed} when it is
     *     not an object or the fields routing needs have the wrong type
     */
    public static RequestBody scan(byte[] bytes, int length, boolean buildTree) {
        if (length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            // RFC 8259 §8.1: not to be sent; Python's json refuses it, so a backend would too
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body starts with a byte order mark; JSON is "
                    + "sent without one.");
        }
        int invalid = Utf8.firstInvalid(bytes, length);
        if (invalid >= 0) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not valid UTF-8 (at byte " + invalid
                    + "); JSON is UTF-8.");
        }
        try (JsonParser parser = parser(bytes, 0, length)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is empty; a JSON object is expected.");
            }
            if (first != JsonToken.START_OBJECT) {
                parser.skipChildren();
                if (first.isStructStart() && parser.currentToken() != JsonToken.END_ARRAY) {
                    throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
                }
                requireEnd(parser);
                throw ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, "The request body must be a JSON object.");
            }
            ObjectNode tree = buildTree ? NODES.objectNode() : null;
            String model = null;
            int modelStart = -1;
            int modelEnd = -1;
            JsonToken modelToken = null;
            boolean stream = false;
            JsonToken streamToken = null;
            // the answer's budget, under each of its names (a backend may read any one of them): per name with a
            // number, its value's start, end and the number, in the order of the body; the names seen as bits
            int[] budgets = null;
            int budgetNames = 0;
            int seenNames = 0;
            String badBudget = null;

            JsonNode previous = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                ended(previous, parser);
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "model" -> {
                        if (modelToken != null) {
                            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body names \"model\" twice.");
                        }
                        modelToken = value;
                        if (value == JsonToken.VALUE_STRING) {
                            modelStart = (int) parser.currentTokenLocation().getByteOffset();
                            model = parser.getText();
                            modelEnd = (int) parser.currentLocation().getByteOffset();
                        }
                    }
                    case "stream" -> {
                        if (streamToken != null) {
                            throw twice("stream");
                        }
                        streamToken = value;
                        stream = value == JsonToken.VALUE_TRUE;
                    }
                    case "max_tokens", "max_completion_tokens", "max_output_tokens" -> {
                        int name = field.equals("max_tokens") ? 1 : field.equals("max_completion_tokens") ? 2 : 4;
                        if ((seenNames & name) != 0) {
                            // parsers differ on which one counts: the one checked might not be the one used
                            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body names \"" + field
                                    + "\" twice.");
                        }
                        seenNames |= name;
                        // -2: null (absent); -1: not a non-negative int
                        int number = value == JsonToken.VALUE_NULL ? -2
                                : value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT
                                        ? Math.max(-1, parser.getIntValue()) : -1;
                        if (number == -1 && badBudget == null) {
                            badBudget = field; // answered once the body is known to be JSON with a model
                        }
                        if (number >= 0) {
                            if (budgets == null || budgets.length == budgetNames * 3) {
                                // room for one name: a body rarely gives more
                                budgets = budgets == null ? new int[3] : java.util.Arrays.copyOf(budgets, budgets.length + 3);
                            }
                            budgets[budgetNames * 3] = (int) parser.currentTokenLocation().getByteOffset();
                            budgets[budgetNames * 3 + 1] = (int) parser.currentLocation().getByteOffset();
                            budgets[budgetNames * 3 + 2] = number;
                            budgetNames++;
                        }
                    }
                    default -> {
                    }
                }
                if (tree != null) {
                    previous = node(parser, value, bytes, length);
                    if (tree.replace(field, previous) != null) {
                        // the checks read the last one; a backend's parser may read the first
                        throw twice(field);
                    }
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT) {
                throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
            }
            ended(previous, parser);
            requireEnd(parser);
            if (modelToken == null) {
                throw ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, "The request body must name a \"model\".", "model");
            }
            if (modelToken != JsonToken.VALUE_STRING) {
                throw ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, "\"model\" must be a string.", "model");
            }
            // the body is JSON and names its model: these refusals are answers for that model
            if (streamToken != null && !streamToken.isBoolean() && streamToken != JsonToken.VALUE_NULL) {
                throw ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, "\"stream\" must be a boolean.", "stream")
                        .forModel(model);
            }
            if (badBudget != null) {
                throw ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED,
                        "\"" + badBudget + "\" must be a non-negative integer.", badBudget).forModel(model);
            }
            Integer maxTokens = null;
            for (int i = 0; i < budgetNames; i++) {
                // the largest: whichever name the backend reads, the checks and reservations cover it
                maxTokens = maxTokens == null ? budgets[i * 3 + 2] : Math.max(maxTokens, budgets[i * 3 + 2]);
            }
            return new RequestBody(bytes, length, model, modelStart, modelEnd, stream, maxTokens,
                    budgets == null ? NO_SPANS : budgets, budgetNames, tree);
        } catch (StreamConstraintsException e) {
            // no location: Jackson raises it for limits (nesting, number and string length), not for a syntax error
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not acceptable JSON: it is nested deeper "
                    + "than " + MAX_NESTING + " levels or holds a number or string past the parser's limits.");
        } catch (JsonProcessingException e) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, e.getLocation() == null ? "The request body is not valid JSON."
                    : "The request body is not valid JSON (at byte " + e.getLocation().getByteOffset() + ").");
        } catch (IOException e) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body could not be read as JSON.");
        }
    }

    private static final int[] NO_SPANS = new int[0];

    private static ProxyError twice(String field) {
        return ProxyError.of(ErrorCode.INVALID_JSON, "The request body names \"" + field + "\" twice; parsers differ "
                + "on which one counts.");
    }

    /** The same body scanned again, with its tree (for a translation when the first scan did not need one). */
    public static RequestBody rescanWithTree(RequestBody body) {
        return scan(body.bytes(), body.length(), true);
    }

    /**
     * The value that starts at the parser's current {@code token}, read to its end, as a tree node: the nodes
     * {@code ObjectMapper.readTree} gives (but a repeated name is refused; integers as int, long or big integer
     * nodes; other numbers as doubles), without the deserialisation context and deserialiser lookup that each of its
     * calls makes; long strings are left undecoded ({@link #text}). The parser bounds the recursion
     * ({@link #MAX_NESTING}).
     */
    private static JsonNode node(JsonParser parser, JsonToken token, byte[] bytes, int length) throws IOException {
        JsonNodeFactory nodes = NODES;
        if (token == null) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
        }
        return switch (token) {
            case START_OBJECT -> {
                // a table of 4 instead of the default 16: most nested objects (a message, a content part, a tool
                // call) hold two or three fields, and a conversation has one per message
                ObjectNode object = new ObjectNode(nodes, new LinkedHashMap<>(4));
                JsonNode previous = null;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    ended(previous, parser);
                    String name = parser.currentName();
                    previous = node(parser, parser.nextToken(), bytes, length);
                    if (object.replace(name, previous) != null) {
                        throw ProxyError.of(ErrorCode.INVALID_JSON, "An object in the request body names \"" + name
                                + "\" twice; parsers differ on which one counts.");
                    }
                }
                if (parser.currentToken() != JsonToken.END_OBJECT) {
                    throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
                }
                ended(previous, parser);
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = nodes.arrayNode();
                JsonNode previous = null;
                JsonToken element;
                while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
                    ended(previous, parser);
                    previous = node(parser, element, bytes, length);
                    array.add(previous);
                }
                ended(previous, parser);
                yield array;
            }
            case VALUE_STRING -> text(parser, bytes, length);
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> nodes.numberNode(parser.getIntValue());
                case LONG -> nodes.numberNode(parser.getLongValue());
                default -> nodes.numberNode(parser.getBigIntegerValue());
            };
            // as written: a translated body re-serialises the tree, and a double would round 12345678901234567.89
            case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDecimalValue());
            case VALUE_TRUE -> nodes.booleanNode(true);
            case VALUE_FALSE -> nodes.booleanNode(false);
            case VALUE_NULL -> nodes.nullNode();
            default -> throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
        };
    }

    /**
     * The string at the parser's current token: decoded when short, else a {@link LazyTextNode} over its bytes. Only
     * the first {@value #DECODED_AT_MOST} bytes are looked at here; the parser then skips the rest without decoding
     * it (still checking its control characters and escapes), and the node learns its end from the next token
     * ({@link #ended}).
     */
    private static JsonNode text(JsonParser parser, byte[] bytes, int length) throws IOException {
        // Jackson's byte parser counts a string token's offset from just after its opening quote
        int open = parser instanceof ParserBase base ? (int) base.getTokenCharacterOffset() - 1 : -1;
        if (open >= 0 && open < length && bytes[open] == '"'
                && JsonStrings.closingQuote(bytes, open + 1, Math.min(length, open + 2 + DECODED_AT_MOST)) < 0) {
            return new LazyTextNode(bytes, open + 1);
        }
        return NODES.textNode(parser.getText());
    }

    /** Tells a lazy string that the parser has gone past it, and so where it ends: before the current token. */
    private static void ended(JsonNode value, JsonParser parser) {
        if (value instanceof LazyTextNode lazy) {
            lazy.endsBefore((int) parser.currentTokenLocation().getByteOffset());
        }
    }

    private static void requireEnd(JsonParser parser) throws IOException {
        if (parser.nextToken() != null) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The request body has content after its JSON value.");
        }
    }
}
