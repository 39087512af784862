package dev.sluice.eventloop;

/** A timer that has been set. */
@FunctionalInterface
public interface Timer {

    /** Keeps it from firing; from any thread, any number of times. */
    void cancel();
}
