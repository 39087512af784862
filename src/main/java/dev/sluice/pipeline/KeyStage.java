package dev.sluice.pipeline;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRing;
import dev.sluice.control.Generation;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.AccountLimits;
import dev.sluice.metrics.ProxyMetrics;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/**
 * The key (contract §4.1): 401 without a known one, 403 on a protocol it may not use; finds its account. Keys and
 * accounts of the file and of the admin API are looked up in the request's generation, in memory: no store is asked.
 */
@Singleton
final class KeyStage implements Stage {

    private final ProxyMetrics metrics;

    KeyStage(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        Generation generation = exchange.generation();
        ApiKey key = generation.authenticate(exchange.request().headers());
        AccountLimits account = key == null ? null : generation.account(key.account());
        if (account == null) {
            String twice = key == null ? KeyRing.conflicting(exchange.request().headers()) : null;
            return Step.fail(ProxyError.of(ErrorCode.HTTP_401, twice != null
                    ? "The " + twice + " header was sent more than once with different values; send one API key."
                    : "A valid API key is required (Authorization: Bearer or x-api-key)."));
        }
        if (!key.allows(exchange.endpoint().protocol())) {
            return Step.fail(ProxyError.of(ErrorCode.HTTP_403,
                    "This key may not use the " + exchange.endpoint().protocol().wire() + " API."));
        }
        exchange.authenticated(key, account);
        metrics.started(account.account());
        return Step.NEXT;
    }
}
