package dev.sluice.body;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A long string of a request body's tree, left as the body's bytes until something reads it: a tree node like a
 * {@link TextNode} ({@code isTextual()}, {@code textValue()}, written as a JSON string), decoded on the first read.
 *
 * <p>Why: the checks read a body's names, roles and types, never the text of its messages, which is most of a long
 * body. Jackson's parser decoded that text into strings, char by char, for nothing: with a 100 KB conversation, a
 * fifth of the proxy's CPU and 95 KB allocated a request. Left as bytes, the parser only skips it (still checking its
 * control characters and escapes); read, it is decoded by the JDK's UTF-8 decoder, which goes through ASCII many bytes
 * at a time, and by Jackson only when it holds an escape.
 *
 * <p>The scan that makes the node also tells it where it ends ({@link #endsBefore}), from the position of the token
 * that follows it. The bytes are the body's own, already checked as strict UTF-8 and never changed. Read by one
 * request's thread at a time, as the rest of its tree.
 */
public final class LazyTextNode extends ValueNode {

    private static final long serialVersionUID = 1L;

    private final byte[] bytes;
    /** The first byte after the opening quote. */
    private final int start;
    /** The closing quote; set by the scan once it has read the next token. */
    private int end = -1;
    /** Decoded on the first read. */
    private String text;

    /** The string whose content starts at {@code start} in {@code bytes}. */
    LazyTextNode(byte[] bytes, int start) {
        this.bytes = bytes;
        this.start = start;
    }

    /**
     * Sets the end from the offset of the token that follows the string: between its closing quote and that token
     * JSON allows only white space and a comma. (Should that not hold, the quote is looked for from the start.)
     */
    void endsBefore(int nextToken) {
        int at = Math.min(nextToken, bytes.length) - 1;
        while (at > start && (bytes[at] == ' ' || bytes[at] == '\t' || bytes[at] == '\n' || bytes[at] == '\r'
                || bytes[at] == ',')) {
            at--;
        }
        end = at > start && bytes[at] == '"' ? at : JsonStrings.closingQuote(bytes, start, bytes.length);
    }

    @Override
    public JsonNodeType getNodeType() {
        return JsonNodeType.STRING;
    }

    @Override
    public JsonToken asToken() {
        return JsonToken.VALUE_STRING;
    }

    @Override
    public String textValue() {
        String decoded = text;
        if (decoded == null) {
            text = decoded = decode();
        }
        return decoded;
    }

    @Override
    public String asText() {
        return textValue();
    }

    // the conversions of a TextNode, on the decoded text
    @Override
    public boolean asBoolean(boolean defaultValue) {
        return TextNode.valueOf(textValue()).asBoolean(defaultValue);
    }

    @Override
    public int asInt(int defaultValue) {
        return TextNode.valueOf(textValue()).asInt(defaultValue);
    }

    @Override
    public long asLong(long defaultValue) {
        return TextNode.valueOf(textValue()).asLong(defaultValue);
    }

    @Override
    public double asDouble(double defaultValue) {
        return TextNode.valueOf(textValue()).asDouble(defaultValue);
    }

    @Override
    public void serialize(JsonGenerator generator, SerializerProvider provider) throws IOException {
        generator.writeString(textValue());
    }

    /** Equal to any textual node with the same text, as a {@link TextNode} is (though it does not know this class). */
    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof JsonNode node && node.isTextual() && textValue().equals(node.textValue());
    }

    @Override
    public int hashCode() {
        return textValue().hashCode();
    }

    private String decode() {
        if (end < 0) {
            throw new IllegalStateException("read before the scan found the string's end");
        }
        String raw = new String(bytes, start, end - start, StandardCharsets.UTF_8);
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        try (JsonParser parser = BodyScanner.parser(bytes, start - 1, end - start + 2)) {
            parser.nextToken();
            return parser.getText();
        } catch (IOException e) {
            // the body's scan already read this string as JSON
            throw new UncheckedIOException(e);
        }
    }
}
