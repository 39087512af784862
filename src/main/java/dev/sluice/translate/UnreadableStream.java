package dev.sluice.translate;

/** Something in a backend's stream the translator cannot read or place; it ends the client's stream with an error. */
final class UnreadableStream extends RuntimeException {

    UnreadableStream(String detail) {
        super(detail, null, false, false);
    }
}
