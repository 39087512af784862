package dev.sluice.limits;

/**
 * The answer of a limit store to one admission: admitted, or refused by one limit and how long to wait.
 *
 * @param refusedBy null when admitted
 * @param waitMillis for a rate refusal, how long until one request would be admitted
 * @param store which store decided (the Redis store, or the in-process one)
 */
public record Decision(Limit refusedBy, Snapshot snapshot, long waitMillis, LimitStore store) {

    public boolean admitted() {
        return refusedBy == null;
    }
}
