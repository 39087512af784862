package dev.sluice.limits;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limits kept inside one proxy instance: the default store, and the fallback when Redis is unreachable. Same
 * rules as the Redis store (the contract tests run against both), one lock per account.
 */
public final class LocalLimitStore implements LimitStore {

    private final Map<String, AccountState> accounts = new ConcurrentHashMap<>();

    /** One account's counters, guarded by its own monitor. */
    private static final class AccountState {
        final Map<String, Long> leases = new HashMap<>();
        /** No lease expires before this: admission scans for expired leases only once it has passed. */
        long earliestExpiry = Long.MAX_VALUE;
        long quotaWindowStart = Long.MIN_VALUE;
        long quotaUsed;
        double tat = Double.NEGATIVE_INFINITY;
        long tokenWindowStart = Long.MIN_VALUE;
        long tokensUsed;
        Long creditsMicros;
        double controlPlaneTat = Double.NEGATIVE_INFINITY;

        long inFlight(long now) {
            if (now >= earliestExpiry) {
                long earliest = Long.MAX_VALUE;
                for (Iterator<Long> expiries = leases.values().iterator(); expiries.hasNext();) {
                    long expiry = expiries.next();
                    if (expiry <= now) {
                        expiries.remove();
                    } else {
                        earliest = Math.min(earliest, expiry);
                    }
                }
                earliestExpiry = earliest;
            }
            return leases.size();
        }

        long quotaUsed(AccountLimits limits, long now) {
            long start = limits.quotaWindowStart(now);
            if (start != quotaWindowStart) {
                quotaWindowStart = start;
                quotaUsed = 0;
            }
            return quotaUsed;
        }

        long tokensUsed(long now) {
            long start = AccountLimits.tokenWindowStart(now);
            if (start != tokenWindowStart) {
                tokenWindowStart = start;
                tokensUsed = 0;
            }
            return tokensUsed;
        }

        long credits(AccountLimits limits) {
            if (creditsMicros == null) {
                creditsMicros = Credits.toMicros(limits.credits());
            }
            return creditsMicros;
        }
    }

    private AccountState state(String account) {
        return accounts.computeIfAbsent(account, name -> new AccountState());
    }

    @Override
    public Future<Decision> admit(AccountLimits limits, Reservation reservation, long now, long leaseMillis) {
        AccountState state = state(limits.account());
        synchronized (state) {
            // every limit's state first: a refused request's RateLimit header tells each limit as it stands
            long inFlight = limits.concurrency() != null ? state.inFlight(now) : 0;
            long quotaUsed = limits.requestsPerWindow() != null ? state.quotaUsed(limits, now) : 0;
            double interval = limits.rate() != null ? limits.rateIntervalMillis() : 0;
            double tolerance = limits.rate() != null ? limits.rateToleranceMillis() : 0;
            double tat = Math.max(state.tat, now);
            long tokensUsed = limits.tokensPerMinute() != null ? state.tokensUsed(now) : 0;
            long credits = limits.credits() != null ? state.credits(limits) : 0;
            Limit refusing = null;
            long waitMillis = 0;
            if (limits.concurrency() != null && inFlight >= limits.concurrency()) {
                refusing = Limit.CONCURRENCY;
            } else if (limits.requestsPerWindow() != null && quotaUsed + 1 > limits.requestsPerWindow()) {
                refusing = Limit.QUOTA;
            } else if (limits.rate() != null && tat - now > tolerance) {
                refusing = Limit.RATE;
                waitMillis = (long) Math.ceil(tat - now - tolerance);
            } else if (limits.tokensPerMinute() != null && tokensUsed + reservation.tokens() > limits.tokensPerMinute()) {
                refusing = Limit.TOKENS;
            } else if (limits.credits() != null && reservation.costMicros() > 0 && credits < reservation.costMicros()) {
                // what costs nothing is admitted even to an account whose settlement went below zero
                refusing = Limit.CREDITS;
            }
            if (refusing != null) {
                long rateNow = limits.rate() != null ? rateRemaining(tat, now, interval, tolerance) : 0;
                return refused(refusing, new Snapshot(inFlight, quotaUsed, rateNow, tokensUsed, credits), waitMillis);
            }
            double newTat = tat + interval;
            long rateRemaining = limits.rate() != null ? rateRemaining(newTat, now, interval, tolerance) : 0;
            // every limit passed: take the slot and count the request
            if (limits.concurrency() != null) {
                state.leases.put(reservation.leaseId(), now + leaseMillis);
                state.earliestExpiry = Math.min(state.earliestExpiry, now + leaseMillis);
                inFlight++;
            }
            if (limits.requestsPerWindow() != null) {
                state.quotaUsed = ++quotaUsed;
            }
            if (limits.rate() != null) {
                state.tat = newTat;
            }
            if (limits.tokensPerMinute() != null) {
                tokensUsed += reservation.tokens();
                state.tokensUsed = tokensUsed;
            }
            if (limits.credits() != null) {
                credits -= reservation.costMicros();
                state.creditsMicros = credits;
            }
            return Future.succeededFuture(new Decision(null,
                    new Snapshot(inFlight, quotaUsed, rateRemaining, tokensUsed, credits), 0, this));
        }
    }

    /** Requests the rate would admit now, before its theoretical arrival time passes the tolerance. */
    private static long rateRemaining(double tat, long now, double interval, double tolerance) {
        return tat - now <= tolerance ? (long) Math.floor((tolerance - (tat - now)) / interval) + 1 : 0;
    }

    private Future<Decision> refused(Limit limit, Snapshot snapshot, long waitMillis) {
        return Future.succeededFuture(new Decision(limit, snapshot, waitMillis, this));
    }

    @Override
    public Future<Void> release(Lease lease, long actualTokens, long actualCostMicros) {
        AccountState state = state(lease.limits().account());
        synchronized (state) {
            state.leases.remove(lease.id());
            settle(state, lease, actualTokens, actualCostMicros);
        }
        return Future.succeededFuture();
    }

    /** Settles the lease's reservations to what was used. Under the state's monitor. */
    private static void settle(AccountState state, Lease lease, long actualTokens, long actualCostMicros) {
        if (lease.limits().tokensPerMinute() != null && state.tokenWindowStart == lease.tokenWindowStart()) {
            state.tokensUsed += actualTokens - lease.reservedTokens();
        }
        if (lease.limits().credits() != null && state.creditsMicros != null) {
            state.creditsMicros += lease.reservedCostMicros() - actualCostMicros;
        }
    }

    @Override
    public Future<Void> releaseUncounted(Lease lease, long quotaWindowStart) {
        AccountState state = state(lease.limits().account());
        synchronized (state) {
            boolean held = state.leases.remove(lease.id()) != null;
            if (lease.limits().concurrency() != null && !held) {
                return Future.succeededFuture(); // released already: settled once, as Redis does
            }
            settle(state, lease, 0, 0);
            if (lease.limits().requestsPerWindow() != null && state.quotaWindowStart == quotaWindowStart
                    && state.quotaUsed > 0) {
                state.quotaUsed--;
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> renew(Lease lease, long expiresAtMillis) {
        AccountState state = state(lease.limits().account());
        synchronized (state) {
            state.leases.merge(lease.id(), expiresAtMillis, Math::max);
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Decision> usage(AccountLimits limits, long now, double controlPlaneRate) {
        AccountState state = state(limits.account());
        synchronized (state) {
            double interval = 1000.0 / controlPlaneRate;
            double tolerance = (Math.max(1, controlPlaneRate) - 1) * interval;
            double tat = Math.max(state.controlPlaneTat, now);
            if (tat - now > tolerance) {
                return refused(Limit.RATE, new Snapshot(0, 0, 0, 0, 0), (long) Math.ceil(tat - now - tolerance));
            }
            state.controlPlaneTat = tat + interval;
            Snapshot snapshot = new Snapshot(state.inFlight(now), state.quotaUsed(limits, now), 0, state.tokensUsed(now),
                    limits.credits() != null ? state.credits(limits) : 0);
            return Future.succeededFuture(new Decision(null, snapshot, 0, this));
        }
    }

    @Override
    public Future<TopUp> topUp(AccountLimits limits, long amountMicros) {
        AccountState state = state(limits.account());
        synchronized (state) {
            long balance = state.credits(limits);
            if (amountMicros < 0 ? balance + amountMicros < 0 : balance + amountMicros > Credits.MAX_MICROS) {
                return Future.succeededFuture(new TopUp(false, balance));
            }
            state.creditsMicros = balance + amountMicros;
            return Future.succeededFuture(new TopUp(true, state.creditsMicros));
        }
    }

    /**
     * Follows what the shared store reported to one admission, so that admission falling back to this store during a
     * Redis outage goes on from the shared counts rather than from zero: the credit balance (the file's would lack the
     * top-ups and the spending Redis holds), the quota window's and the token minute's counts, which only grow
     * within their window (the higher of the two stands: this store may have counted requests of its own since), and
     * the rate's theoretical arrival time, from the requests the rate had left (to within one request, on the side
     * of refusing).
     */
    public void follow(AccountLimits limits, Snapshot shared, long now) {
        AccountState state = state(limits.account());
        synchronized (state) {
            if (limits.credits() != null) {
                state.creditsMicros = shared.creditsMicros();
            }
            if (limits.requestsPerWindow() != null) {
                state.quotaUsed = Math.max(state.quotaUsed(limits, now), shared.quotaUsed());
            }
            if (limits.tokensPerMinute() != null) {
                state.tokensUsed = Math.max(state.tokensUsed(now), shared.tokensUsed());
            }
            if (limits.rate() != null) {
                double interval = limits.rateIntervalMillis();
                double tolerance = limits.rateToleranceMillis();
                // rateRemaining r means tolerance - (tat - now) lies in [(r - 1) interval, r interval): the low end
                double tat = shared.rateRemaining() > 0 ? now + tolerance - (shared.rateRemaining() - 1) * interval
                        : now + tolerance + interval;
                state.tat = Math.max(state.tat, tat);
            }
        }
    }

    /**
     * Holds a concurrency slot that another store granted (a request this instance serves through Redis), until
     * {@code expiresAtMillis} or {@link #dropSlot}: falling back to this store while Redis does not answer, the
     * account's requests already running here count against its limit.
     */
    public void holdSlot(String account, String leaseId, long expiresAtMillis) {
        AccountState state = state(account);
        synchronized (state) {
            state.leases.merge(leaseId, expiresAtMillis, Math::max);
            state.earliestExpiry = Math.min(state.earliestExpiry, expiresAtMillis);
        }
    }

    /** Lets go of a slot taken by {@link #holdSlot}; nothing reserved with it is settled here. */
    public void dropSlot(String account, String leaseId) {
        AccountState state = accounts.get(account);
        if (state != null) {
            synchronized (state) {
                state.leases.remove(leaseId);
            }
        }
    }

    @Override
    public Future<Void> forget(AccountLimits limits, long nowMillis) {
        AccountState state = accounts.get(limits.account());
        if (state != null) {
            synchronized (state) {
                state.creditsMicros = null;
                state.quotaWindowStart = Long.MIN_VALUE;
                state.quotaUsed = 0;
                state.tat = Double.NEGATIVE_INFINITY;
                state.tokenWindowStart = Long.MIN_VALUE;
                state.tokensUsed = 0;
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> ping() {
        return Future.succeededFuture();
    }

    @Override
    public String name() {
        return "local";
    }
}
