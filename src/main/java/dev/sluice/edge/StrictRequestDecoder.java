package dev.sluice.edge;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.RequestIds;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Vert.x's HTTP/1.x request decoder, made strict about framing (contract §12): a request that carries both
 * {@code content-length} and {@code transfer-encoding} (Netty would drop the length and go on), a
 * {@code transfer-encoding} that does not end in {@code chunked}, or a header folded over several lines (Netty would
 * join the lines) is refused, as is a request target that is not a valid URI (which Quarkus would answer with a bare
 * 400) and anything Netty cannot decode in a request's head (414 for a request line over
 * {@code max-initial-line-length}, 431 for a head over {@code max-header-size}, else 400). A refused request is handed
 * on as a stand-in carrying a {@link FramingRejection}, so that it is answered in order, after the requests pipelined
 * before it; every byte after it is dropped, so that nothing smuggled behind it is ever read, and the connection closes
 * once it is answered.
 *
 * <p>A body whose chunked encoding is malformed (the head was fine and the request already reached the proxy) ends the
 * request with a {@link ProxyError} {@code bad_request}: the request path answers it if it still can, then the
 * connection closes. The decoder also tells its {@link ConnectionGuard} when each request has been read whole.
 *
 * <p>One per connection, on its event loop.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    static final String CONTENT_LENGTH_AND_TRANSFER_ENCODING = "The request has both content-length and "
            + "transfer-encoding, which could smuggle another request; it is refused.";
    static final String OBSOLETE_LINE_FOLDING = "The request folds a header over several lines (obsolete line "
            + "folding), which is refused.";
    static final String TRANSFER_ENCODING_NOT_CHUNKED = "The request's transfer-encoding is not chunked alone: a body "
            + "that does not end in chunked has no known length, and one coded otherwise as well would not be read as "
            + "sent; it is refused.";
    static final String TRANSFER_ENCODING_IN_HTTP_1_0 = "An HTTP/1.0 request cannot have a transfer-encoding "
            + "(RFC 9112 §6.1); send its body with a content-length.";
    static final String SEVERAL_CONTENT_LENGTHS = "The request has more than one content-length.";
    static final String MALFORMED_CHUNKS = "The request body's chunked encoding is malformed.";
    static final String MALFORMED_REQUEST = "The request could not be read as HTTP/1.1.";
    static final String INVALID_HOST = "The request needs one Host header naming a host (and a port up to 65535).";
    static final String NAMELESS_HEADER = "A header line of the request has no name (it starts with a colon).";
    static final String INVALID_TARGET = "The request target is not a valid URI (a character that must be "
            + "percent-encoded, or a % not followed by two hex digits).";

    private final ConnectionGuard guard;
    private final HttpServerOptions options;
    /** True once the request line of the head being read has been decoded, until the head is complete. */
    private boolean requestLineRead;
    /** True between requests and while a request's head is read. */
    private boolean awaitingHead = true;
    /** A framing problem seen in the head being read, answered once Netty hands the head over. */
    private String violation;
    /** True while the head being decoded is an HTTP/1.0 one (see {@link #createMessage}). */
    private boolean http10Head;
    /** After a refusal: every further byte is dropped. */
    private boolean refused;
    private boolean closing;

    StrictRequestDecoder(HttpServerOptions options, ConnectionGuard guard) {
        super(options);
        this.options = options;
        this.guard = guard;
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) {
        requestLineRead = true;
        // Netty checks content-length strictly in HTTP/1.1 only: of an HTTP/1.0 head with two lengths it keeps the
        // first, and a keep-alive connection would read the rest of the body as the next request (RFC 9112 §6.3: 400
        // and close). The head is decoded as HTTP/1.1, and given its version back once decoded.
        http10Head = "HTTP/1.0".equals(initialLine[2]);
        if (http10Head) {
            initialLine[2] = "HTTP/1.1";
        }
        return super.createMessage(initialLine);
    }

    /** Netty would drop {@code content-length} and read the body as chunked; the head is refused instead. */
    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        violation = CONTENT_LENGTH_AND_TRANSFER_ENCODING;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        closing = true;
        super.decodeLast(ctx, in, out);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (awaitingHead && violation == null && foldedHeader(in)) {
            violation = OBSOLETE_LINE_FOLDING;
        }
        int before = out.size();
        super.decode(ctx, in, out);
        if (closing) {
            return;
        }
        for (int i = before; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpRequest request) {
                if (http10Head) {
                    request.setProtocolVersion(HttpVersion.HTTP_1_0);
                    http10Head = false;
                }
                requestLineRead = false;
                awaitingHead = false;
                FramingRejection rejection = rejectionOf(request);
                violation = null;
                if (rejection != null) {
                    refuseHead(in, out, i, rejection.sentWith(request.method().name()));
                    return;
                }
                if (request.uri().charAt(0) != '/') {
                    // absolute-form (a target validTarget let through): its authority is the client's to choose and
                    // must not reach a backend, which would route by it (RFC 9112 §3.2.2); served as its path
                    request.setUri(originForm(request.uri()));
                }
            } else if (message instanceof HttpContent content && content.decoderResult().isFailure()) {
                refuseBody(ctx, in, out, i);
                return;
            }
            if (message instanceof LastHttpContent) {
                awaitingHead = true;
                guard.requestRead(in.isReadable());
            }
        }
    }

    /**
     * True when a line of the head in {@code in} starts with a space or a tab (RFC 9112 §5.2: obsolete line folding,
     * refused with 400). {@code in} starts at a line boundary: Netty consumes the head one whole line at a time.
     */
    private boolean foldedHeader(ByteBuf in) {
        int at = in.readerIndex();
        int end = in.writerIndex();
        if (!requestLineRead) {
            while (at < end && (in.getByte(at) == '\r' || in.getByte(at) == '\n')) {
                at++;
            }
            int lineEnd = in.indexOf(at, end, (byte) '\n');
            if (lineEnd < 0) {
                return false;
            }
            at = lineEnd + 1;
        }
        while (at < end) {
            byte first = in.getByte(at);
            if (first == ' ' || first == '\t') {
                return true;
            }
            if (first == '\r' || first == '\n') {
                return false;
            }
            int lineEnd = in.indexOf(at, end, (byte) '\n');
            if (lineEnd < 0) {
                return false;
            }
            at = lineEnd + 1;
        }
        return false;
    }

    private FramingRejection rejectionOf(HttpRequest request) {
        String path = path(request.uri());
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                return new FramingRejection(414, "The request line is longer than "
                        + options.getMaxInitialLineLength() + " bytes.", null);
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return new FramingRejection(431, "The request's header block is larger than "
                        + options.getMaxHeaderSize() + " bytes.", path);
            }
            if (cause instanceof IllegalArgumentException && String.valueOf(cause.getMessage())
                    .startsWith("Multiple Content-Length")) {
                return new FramingRejection(400, SEVERAL_CONTENT_LENGTHS, path);
            }
            return new FramingRejection(400, MALFORMED_REQUEST, path);
        }
        if (violation != null) {
            return new FramingRejection(400, violation, path);
        }
        HttpVersion version = request.protocolVersion();
        if (!HttpVersion.HTTP_1_1.equals(version) && !HttpVersion.HTTP_1_0.equals(version)) {
            // HTTP/2's preface (PRI * HTTP/2.0) included: this port speaks HTTP/1.1 only (PlainPortHttp1)
            return new FramingRejection(400, "The request's version " + version.text() + " is not served on this "
                    + "port; send HTTP/1.1.", path);
        }
        if (!validTarget(request.uri())) {
            return new FramingRejection(400, INVALID_TARGET, path);
        }
        java.util.Iterator<String> hosts = request.headers().valueStringIterator(HttpHeaderNames.HOST);
        String host = hosts.hasNext() ? hosts.next() : null;
        if (host == null ? HttpVersion.HTTP_1_1.equals(version) : hosts.hasNext() || !validHost(host)) {
            // RFC 9112 §3.2: 400 (Quarkus would answer its own error page, without the envelope or a request id)
            return new FramingRejection(400, INVALID_HOST, path);
        }
        HttpHeaders headers = request.headers();
        if (headers.contains("")) {
            // Netty reads ": x" as a header named "" (RFC 9110 §5.1: a name is a token, at least one character); it
            // would reach the backend as it came, as would an HTTP/2 pseudo-header such as ":authority: evil"
            return new FramingRejection(400, NAMELESS_HEADER, path);
        }
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // looked at only when present: the list is a fresh copy, and most requests have a length instead
            List<String> transferEncodings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return new FramingRejection(400, CONTENT_LENGTH_AND_TRANSFER_ENCODING, path);
            }
            if (request.protocolVersion() != HttpVersion.HTTP_1_1) {
                return new FramingRejection(400, TRANSFER_ENCODING_IN_HTTP_1_0, path);
            }
            if (!endsInChunked(transferEncodings)) {
                return new FramingRejection(400, TRANSFER_ENCODING_NOT_CHUNKED, path);
            }
        }
        return null;
    }

    /**
     * Whether the request target is an origin-form or absolute-form target of printable ASCII that parses as a URI.
     * Quarkus checks the parse (with {@link java.net.URI}) before any route and answers a bare 400, without the
     * envelope or a request id; refused here, the client gets both. A target of
     * only the characters a path and query may hold unescaped, and well-formed escapes, is valid without a parse (every
     * proxied request's is); anything else is parsed as Quarkus parses it.
     */
    static boolean validTarget(String uri) {
        int length = uri.length();
        for (int i = 0; i < length; i++) {
            char c = uri.charAt(i);
            // java.net.URI takes non-ASCII characters (Netty read the bytes as Latin-1: they would go upstream
            // encoded twice) and fragments, which a request target never holds (RFC 9112 §3.2)
            if (c <= ' ' || c >= 0x7F || c == '#') {
                return false;
            }
        }
        if (length == 0 || uri.charAt(0) != '/' || (length > 1 && uri.charAt(1) == '/')) {
            // origin-form ("/…") or absolute-form only: no asterisk-form ("*"), no relative path ("v1/…");
            // "//…" is parsed as an authority, as Quarkus parses it
            return (uri.startsWith("http://") || uri.startsWith("https://") || uri.startsWith("//")) && parses(uri);
        }
        for (int i = 0; i < length; i++) {
            char c = uri.charAt(i);
            if (c == '%') {
                if (i + 2 >= length || !hex(uri.charAt(i + 1)) || !hex(uri.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!plain(c)) {
                return parses(uri);
            }
        }
        return true;
    }

    /** A host name, an IPv4 address or a bracketed IPv6 one, then an optional port up to 65535 (RFC 9110 §7.2). */
    static boolean validHost(String host) {
        int end = host.length();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.indexOf(']', colon) < 0) {
            int port = 0;
            if (colon + 1 == end || end - colon - 1 > 5) {
                return false;
            }
            for (int i = colon + 1; i < end; i++) {
                char c = host.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
                port = port * 10 + (c - '0');
            }
            if (port > 65535) {
                return false;
            }
            end = colon;
        }
        if (end == 0) {
            return false;
        }
        if (host.charAt(0) == '[') {
            if (end <= 2 || host.charAt(end - 1) != ']') {
                return false;
            }
            for (int i = 1; i < end - 1; i++) {
                char c = host.charAt(i);
                if (!hex(c) && c != ':' && c != '.') {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < end; i++) {
            char c = host.charAt(i);
            if (c == '%' ? i + 2 >= end || !hex(host.charAt(i + 1)) || !hex(host.charAt(i + 2))
                    : !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                            || "-._~!$&'()*+,;=".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean parses(String uri) {
        try {
            new URI(uri);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Unreserved, sub-delims, ':', '@', '/' and '?' (RFC 3986 pchar and query, which java.net.URI accepts too). */
    private static boolean plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * Whether the transfer codings are {@code chunked} alone (once): the body is read as the bytes the chunks carry,
     * so another coding under it ({@code gzip, chunked}) would be taken for plain bytes, and chunked twice is not
     * allowed (RFC 9112 §6.1).
     */
    private static boolean endsInChunked(List<String> transferEncodings) {
        int codings = 0;
        for (String value : transferEncodings) {
            for (String coding : value.split(",")) {
                String name = coding.trim();
                if (name.isEmpty()) {
                    continue;
                }
                if (!name.equalsIgnoreCase("chunked") || ++codings > 1) {
                    return false;
                }
            }
        }
        return codings == 1;
    }

    /**
     * The origin form of an absolute-form target: its path (or "/") and query, without scheme, authority or user
     * information ({@code http://a@b:1/v1/x?y} → {@code /v1/x?y}).
     */
    static String originForm(String absolute) {
        int authority = absolute.indexOf("//") + 2;
        int end = absolute.length();
        int path = authority;
        while (path < end && absolute.charAt(path) != '/' && absolute.charAt(path) != '?') {
            path++;
        }
        if (path == end) {
            return "/";
        }
        return absolute.charAt(path) == '?' ? "/" + absolute.substring(path) : absolute.substring(path);
    }

    private static String path(String uri) {
        int query = uri.indexOf('?');
        return query >= 0 ? uri.substring(0, query) : uri;
    }

    /**
     * Replaces what Netty made of the refused head (and anything after it) with a stand-in request to
     * {@link FramingRejection#PATH}: no body, {@code connection: close}, the client's {@code x-request-id}.
     */
    private void refuseHead(ByteBuf in, List<Object> out, int index, FramingRejection rejection) {
        refuse(in);
        HttpRequest refusedHead = (HttpRequest) out.get(index);
        HttpRequest standIn = (HttpRequest) super.createMessage(
                new String[] {"GET", FramingRejection.PATH, "HTTP/1.1"});
        for (String requestId : refusedHead.headers().getAll(RequestIds.HEADER)) {
            standIn.headers().add(RequestIds.HEADER, requestId);
        }
        // the router refuses an HTTP/1.1 request without a host
        standIn.headers().set(HttpHeaderNames.HOST, "sluice");
        standIn.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        standIn.setDecoderResult(rejection);
        dropFrom(out, index);
        out.add(standIn);
        out.add(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /**
     * A body whose framing broke: the request already reached the proxy, so it is failed with {@code bad_request}
     * (after the body chunks read before it), which the request path answers when it still can.
     */
    private void refuseBody(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, int index) {
        refuse(in);
        dropFrom(out, index);
        ProxyError error = ProxyError.of(ErrorCode.BAD_REQUEST, MALFORMED_CHUNKS).header("connection", "close");
        ctx.channel().eventLoop().execute(() -> ctx.fireExceptionCaught(error));
    }

    private void refuse(ByteBuf in) {
        refused = true;
        in.skipBytes(in.readableBytes());
        guard.requestRead(false);
    }

    private static void dropFrom(List<Object> out, int index) {
        for (int i = out.size() - 1; i >= index; i--) {
            ReferenceCountUtil.release(out.remove(i));
        }
    }
}
