package dev.sluice.routing;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the backend for the next attempt: among the model's backends not yet tried and available (breaker not open,
 * not marked down), two are drawn at random by weight and the one with fewer requests in flight per unit of weight
 * wins (counting the request about to be sent, so that between idle backends the heavier one wins).
 */
public final class BackendSelector {

    private BackendSelector() {
    }

    /** The chosen backend, or null when every backend was tried or is unavailable. */
    public static Backend choose(List<Backend> backends, Set<Backend> tried, long nowNanos) {
        int candidates = 0;
        int totalWeight = 0;
        Backend only = null;
        for (Backend backend : backends) {
            if (eligible(backend, tried, nowNanos)) {
                candidates++;
                totalWeight += backend.weight();
                only = backend;
            }
        }
        if (candidates <= 1) {
            return only;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Backend first = draw(backends, tried, nowNanos, random.nextInt(totalWeight), null);
        Backend second = draw(backends, tried, nowNanos, random.nextInt(totalWeight - first.weight()), first);
        // compare (in-flight + 1) per unit of weight without division: the +1 lets weight decide between idle
        // backends, as Envoy's least-request balancer does
        long firstLoad = (long) (first.inFlight() + 1) * second.weight();
        long secondLoad = (long) (second.inFlight() + 1) * first.weight();
        if (firstLoad != secondLoad) {
            return firstLoad < secondLoad ? first : second;
        }
        return random.nextBoolean() ? first : second;
    }

    private static boolean eligible(Backend backend, Set<Backend> tried, long nowNanos) {
        return !tried.contains(backend) && backend.available(nowNanos);
    }

    /** The eligible backend (other than {@code excluded}) at cumulative weight {@code point}. */
    private static Backend draw(List<Backend> backends, Set<Backend> tried, long nowNanos, int point, Backend excluded) {
        Backend last = null;
        for (Backend backend : backends) {
            if (backend == excluded || !eligible(backend, tried, nowNanos)) {
                continue;
            }
            last = backend;
            point -= backend.weight();
            if (point < 0) {
                return backend;
            }
        }
        return last;
    }
}
