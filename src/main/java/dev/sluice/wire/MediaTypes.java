package dev.sluice.wire;

import java.util.Locale;

/** Which request media types are read as JSON (contract §1). */
public final class MediaTypes {

    private MediaTypes() {
    }

    /**
     * True for no content type, {@code application/json} and {@code application/*+json} (any parameters), and
     * {@code application/x-www-form-urlencoded}, which is what {@code curl -d} sends.
     */
    public static boolean readAsJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType).trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("application/x-www-form-urlencoded")
                || (type.startsWith("application/") && type.endsWith("+json"));
    }
}
