package dev.sluice.edge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xOrH2CHandler;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The first handler of every connection to the proxy's port (contract §12). It does two things:
 * <ul>
 * <li><b>Client timeout.</b> While a client owes the proxy a request (from the moment it connects, and from the first
 * byte of each next request until its last byte), a gap of {@code sluice.client-timeout} with no byte closes the
 * connection: slow headers, slow bodies, and connections that open and send nothing. Between requests (an idle
 * keep-alive connection) and while the proxy answers, only {@code quarkus.http.idle-timeout} applies. Time during which
 * the proxy itself stopped reading (Vert.x back-pressure, a pipelined request waiting its turn) is not counted
 * against the client.</li>
 * <li><b>Strict framing.</b> On the first bytes of a plain HTTP/1.x connection it swaps Vert.x's request decoder for
 * the {@link StrictRequestDecoder}, before the decoder has read a request. When the server also accepts HTTP/2 over
 * cleartext, Vert.x decides between the two on the first bytes: they are handed over one at a time until it has. On
 * TLS connections and HTTP/2 ones Vert.x's own decoding stays (Sluice's port is plain HTTP behind the ingress).</li>
 * </ul>
 * One per connection, on its event loop; one timer at a time, re-armed lazily (a byte costs a timestamp write).
 */
final class ConnectionGuard extends ChannelDuplexHandler {

    static final String NAME = "sluice-connection-guard";
    private static final Logger LOGGER = Logger.getLogger(ConnectionGuard.class);
    private static final String VERTX_DECODER = "httpDecoder";

    private final long timeoutNanos;
    private final HttpServerOptions decoderOptions;
    private ChannelHandlerContext context;
    /** True while the client owes the proxy (the rest of) a request. */
    private boolean receiving = true;
    /** False once the connection turned out to be HTTP/2 or TLS: the timeout then only covered its first byte. */
    private boolean timing = true;
    /** The last moment a byte came in, or the proxy started reading again. */
    private long lastProgress;
    private ScheduledFuture<?> timer;
    private boolean decoderChosen;

    ConnectionGuard(long timeoutNanos, HttpServerOptions decoderOptions) {
        this.timeoutNanos = timeoutNanos;
        this.decoderOptions = decoderOptions;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        lastProgress = System.nanoTime();
        if (ctx.channel().isActive()) {
            arm(timeoutNanos);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        lastProgress = System.nanoTime();
        arm(timeoutNanos);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof ByteBuf bytes && bytes.isReadable()) {
            lastProgress = System.nanoTime();
            if (!receiving && timing) {
                // the first byte of the next request
                receiving = true;
                arm(timeoutNanos);
            }
            if (!decoderChosen) {
                chooseDecoder(ctx, bytes);
                return;
            }
        }
        ctx.fireChannelRead(message);
    }

    /** The proxy asks for more bytes (after each read, and when it resumes after a pause): the client may send now. */
    @Override
    public void read(ChannelHandlerContext ctx) {
        lastProgress = System.nanoTime();
        ctx.read();
    }

    /**
     * Called by the {@link StrictRequestDecoder} when a request has been read whole (or refused): the client owes
     * nothing more, unless the bytes of a next request are already buffered.
     */
    void requestRead(boolean nextRequestBuffered) {
        // the timer is left as it is: when it fires it sees that nothing is owed and stays unarmed until the next
        // request's first byte, so a busy keep-alive connection costs one timer per timeout period, not one per request
        receiving = nextRequestBuffered;
    }

    private void chooseDecoder(ChannelHandlerContext ctx, ByteBuf bytes) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(SslHandler.class) != null) {
            // these bytes are TLS records: request boundaries cannot be seen here
            decoderChosen = true;
            stopTiming();
            ctx.fireChannelRead(bytes);
            return;
        }
        // cleartext HTTP/2 or HTTP/1.x: Vert.x decides on the first bytes, and installs its decoder when it has
        while (bytes.isReadable() && pipeline.get(Http1xOrH2CHandler.class) != null) {
            ctx.fireChannelRead(bytes.readRetainedSlice(1));
        }
        if (pipeline.get(Http1xOrH2CHandler.class) == null) {
            decoderChosen = true;
            ChannelHandler decoder = pipeline.get(VERTX_DECODER);
            if (decoder instanceof VertxHttpRequestDecoder) {
                // what Vert.x's decoder already holds (the bytes it decided on) is handed to the new one
                pipeline.replace(VERTX_DECODER, VERTX_DECODER, new StrictRequestDecoder(decoderOptions, this));
            } else {
                // HTTP/2 (its own framing and flow control), or a set-up this guard does not know: it stands down
                stopTiming();
            }
        }
        if (bytes.isReadable()) {
            ctx.fireChannelRead(bytes);
        } else {
            bytes.release();
        }
    }

    private void stopTiming() {
        timing = false;
        receiving = false;
        cancel();
    }

    private void arm(long delayNanos) {
        if (timer == null && context != null) {
            timer = context.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (!receiving || !context.channel().isActive()) {
            return;
        }
        if (!context.channel().config().isAutoRead()) {
            // the proxy is not reading (back-pressure, or a pipelined request waits its turn): not the client's gap
            arm(timeoutNanos);
            return;
        }
        long idle = System.nanoTime() - lastProgress;
        if (idle < timeoutNanos) {
            arm(timeoutNanos - idle);
            return;
        }
        LOGGER.debugf("client=%s sent no byte for %d ms while it owed a request: closing its connection",
                context.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(idle));
        context.close();
    }
}
