package dev.sluice.limits;

/**
 * What one request asks of its account at admission: a slot, one request of quota and rate, an estimate of its
 * tokens and of its cost.
 *
 * @param tokens estimated prompt tokens plus max_tokens (0 when the account has no token limit)
 * @param costMicros estimated cost in micro-credits (0 when the account has no credits or the model is free)
 */
public record Reservation(String leaseId, long tokens, long costMicros) {
}
