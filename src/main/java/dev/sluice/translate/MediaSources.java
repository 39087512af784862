package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Images and documents in both forms: OpenAI's URL (a {@code data:} URL or an {@code http(s)} URL) and Anthropic's
 * {@code source} object ({@code base64} or {@code url}).
 */
final class MediaSources {

    private MediaSources() {
    }

    /**
     * An OpenAI image or file URL as an Anthropic source.
     *
     * @param param where the URL is in the client's body, for the error
     */
    static ObjectNode fromUrl(String url, String param) {
        if (url == null) {
            throw Refusals.malformed(param, "must be a string");
        }
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (!meta.toLowerCase(java.util.Locale.ROOT).endsWith(";base64")) {
                // a percent-encoded data URL: Anthropic takes only base64 data
                throw Refusals.unsupported(param, Refusals.ANTHROPIC);
            }
            int semicolon = meta.indexOf(';');
            if (semicolon == 0 || comma + 1 == url.length()) {
                // data:;base64,… or no data: Anthropic would be sent an empty media type or nothing to look at
                throw Refusals.malformed(param, "must be a data URL with a media type and base64 data");
            }
            return Json.object().put("type", "base64")
                    .put("media_type", mediaType(meta.substring(0, semicolon)))
                    .put("data", url.substring(comma + 1));
        }
        if (url.regionMatches(true, 0, "http://", 0, 7) || url.regionMatches(true, 0, "https://", 0, 8)) {
            return Json.object().put("type", "url").put("url", url);
        }
        throw Refusals.unsupported(param, Refusals.ANTHROPIC);
    }

    /**
     * A data URL's media type as Anthropic reads one: lower case (media types are case-insensitive, RFC 2045, but
     * Anthropic takes only {@code image/jpeg}, {@code image/png}, … as written) and {@code image/jpg}, which clients
     * build from a file's extension and OpenAI accepts, as {@code image/jpeg}.
     */
    static String mediaType(String declared) {
        String type = declared.trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("image/jpg") ? "image/jpeg" : type;
    }

    /**
     * An Anthropic {@code source} as an OpenAI URL.
     *
     * @param param where the source is in the client's body, for the error
     */
    static String toUrl(JsonNode source, String param) {
        String type = Json.text(source.get("type"));
        if ("base64".equals(type)) {
            String mediaType = Json.text(source.get("media_type"));
            String data = Json.text(source.get("data"));
            if (mediaType == null || mediaType.isBlank()) {
                throw Refusals.malformed(param + ".source.media_type", "must be a media type such as image/png");
            }
            if (data == null || data.isEmpty()) {
                throw Refusals.malformed(param + ".source.data", "must hold the base64 data");
            }
            return "data:" + mediaType + ";base64," + data;
        }
        if ("url".equals(type) && Json.text(source.get("url")) != null) {
            return Json.text(source.get("url"));
        }
        // a file_id of Anthropic's Files API, or a source type unknown here: nothing an OpenAI backend can fetch
        throw Refusals.unsupported(param + ".source.type", Refusals.OPENAI);
    }
}
