package dev.sluice.pipeline;

import dev.sluice.body.BodyScanner;
import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.BodyReader;
import dev.sluice.wire.MediaTypes;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;

/**
 * Size, media type and JSON (contract §5): 413 for a declared length over {@code max-body-size} before a byte is
 * read (and for a body that grows past it while read), 415, then the body read once into one array and scanned once
 * (400 {@code invalid_json}). The JSON tree is built in the same pass, only when a check or a limit needs it.
 */
@Singleton
final class BodyStage implements Stage {

    private final long limit;
    private final boolean validate;

    BodyStage(SluiceConfig config) {
        this.limit = config.maxBodySize().asLongValue();
        this.validate = config.validation().enabled();
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        if (BodyReader.declaredLength(request) > limit) {
            return Step.fail(BodyReader.tooLarge(limit));
        }
        if (!MediaTypes.readAsJson(request.getHeader("content-type"))) {
            return Step.fail(ProxyError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content type '" + request.getHeader("content-type") + "' is not supported; send application/json."));
        }
        String coding = request.getHeader("content-encoding");
        if (coding != null && !coding.isBlank() && !coding.trim().equalsIgnoreCase("identity")) {
            // the body is read and checked as it arrives: a coded one would be refused as broken JSON, and a plain one
            // labelled coded would reach the backend labelled so
            return Step.fail(ProxyError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content encoding '" + coding
                    + "' is not supported; send the body without a content-encoding."));
        }
        boolean buildTree = validate || exchange.account().settles();
        return BodyReader.read(request, limit).map(read -> {
            exchange.body(BodyScanner.scan(read.bytes(), read.length(), buildTree));
            return Step.NEXT.result();
        });
    }
}
