package dev.sluice.limits;

import io.vertx.core.Future;

/**
 * Where an account's counters live. One call per admission decision; implementations check every limit and move
 * every counter atomically, so a refused request leaves every counter as it was.
 *
 * <p>Called on event-loop threads; implementations never block.
 */
public interface LimitStore {

    /** Checks every limit of the account and, when all pass, takes the slot and the reservations. */
    Future<Decision> admit(AccountLimits limits, Reservation reservation, long nowMillis, long leaseMillis);

    /** Frees the slot and settles the reservations to the real usage (tokens, micro-credits). */
    Future<Void> release(Lease lease, long actualTokens, long actualCostMicros);

    /**
     * Completes once the releases this event loop asked for so far are on their way: applied, for a store in this
     * process (the default); handed to the connection, for one that batches them. A request's last bytes wait for
     * this, not for the store's answer: the release then reaches the store before the client can send anything after
     * those bytes, and the answer's round trip stays off the request's latency.
     */
    default Future<Void> releasesSent() {
        return Future.succeededFuture();
    }

    /**
     * Frees the slot, refunds every reservation and takes the request back out of the quota window that started at
     * {@code quotaWindowStart}: a request the proxy failed before any backend took it.
     */
    Future<Void> releaseUncounted(Lease lease, long quotaWindowStart);

    /**
     * Extends a running request's slot to {@code expiresAtMillis}, taking it again when the store no longer holds it
     * (lost in a failover, or never granted here: a slot the local store gave while Redis did not answer). Never
     * called after the lease's release.
     */
    Future<Void> renew(Lease lease, long expiresAtMillis);

    /**
     * The account's counters for GET /v1/usage, after taking one request from its control-plane rate; a decision
     * refused by {@link Limit#RATE} when that rate is spent.
     */
    Future<Decision> usage(AccountLimits limits, long nowMillis, double controlPlaneRate);

    /**
     * Adds {@code amountMicros} (negative: takes it) to the account's credit balance, atomically with the requests in
     * flight, seeding the balance from {@link AccountLimits#credits()} first as admission does. A deduction that would
     * take the balance below zero, or an addition that would take it above {@link Credits#MAX_MICROS}, is refused
     * ({@link TopUp#applied()} false) and changes nothing.
     */
    Future<TopUp> topUp(AccountLimits limits, long amountMicros);

    /**
     * Forgets a deleted account's credit balance and the counts of its quota window, rate and token minute as of
     * {@code nowMillis}, so that an account created again under the name starts afresh. Its requests in flight keep
     * their slots until they end.
     */
    Future<Void> forget(AccountLimits limits, long nowMillis);

    /** Completes when the store answers (readiness, and the probe that brings a failed store back). */
    Future<Void> ping();

    /** A short name for logs and readiness data. */
    String name();
}
