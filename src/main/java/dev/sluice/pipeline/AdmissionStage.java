package dev.sluice.pipeline;

import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Admission;
import dev.sluice.limits.Credits;
import dev.sluice.routing.ModelRoute;
import dev.sluice.validation.TokenEstimator;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/**
 * The account's limits (contract §4): one store round trip that takes a slot and reserves the estimated tokens and
 * cost, or refuses with 429/402 and consumes nothing. The ticket it gets is released by {@link Finish}.
 */
@Singleton
final class AdmissionStage implements Stage {

    private final Admission admission;

    AdmissionStage(Admission admission) {
        this.admission = admission;
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        AccountLimits account = exchange.account();
        ModelRoute model = exchange.model();
        long answerTokens = TokenEstimator.answerBudget(exchange.endpoint(),
                model.cappedMaxTokens(exchange.body().maxTokens()), model.defaultMaxTokens());
        long tokens = account.tokensPerMinute() != null ? exchange.promptTokens() + answerTokens : 0;
        long cost = account.credits() != null
                ? Credits.toMicrosCeil(model.price().cost(exchange.promptTokens(), answerTokens)) : 0;
        // an account without limits takes no lease, so it gets no lease id either (the plain path builds no string)
        String leaseId = account.unlimited() ? null : exchange.requestId() + "/" + Long.toHexString(System.nanoTime());
        return admission.admit(account, leaseId, tokens, cost).map(ticket -> {
            exchange.ticket(ticket);
            ticket.writeHeaders(exchange.response().headers());
            return Step.NEXT.result();
        });
    }
}
