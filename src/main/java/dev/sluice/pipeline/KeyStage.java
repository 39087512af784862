package dev.sluice.pipeline;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRing;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Accounts;
import dev.sluice.metrics.ProxyMetrics;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/** The key (contract §4.1): 401 without a known one, 403 on a protocol it may not use; finds its account. */
@Singleton
final class KeyStage implements Stage {

    private final KeyRing keys;
    private final Accounts accounts;
    private final ProxyMetrics metrics;

    KeyStage(KeyRing keys, Accounts accounts, ProxyMetrics metrics) {
        this.keys = keys;
        this.accounts = accounts;
        this.metrics = metrics;
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        ApiKey key = keys.authenticate(exchange.request().headers());
        if (key == null) {
            return Step.fail(ProxyError.of(ErrorCode.HTTP_401,
                    "A valid API key is required (Authorization: Bearer or x-api-key)."));
        }
        if (!key.allows(exchange.endpoint().protocol())) {
            return Step.fail(ProxyError.of(ErrorCode.HTTP_403,
                    "This key may not use the " + exchange.endpoint().protocol().wire() + " API."));
        }
        AccountLimits account = accounts.get(key.account());
        exchange.authenticated(key, account);
        metrics.started(account.account());
        return Step.NEXT;
    }
}
