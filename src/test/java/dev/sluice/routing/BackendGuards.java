package dev.sluice.routing;

import io.smallrye.faulttolerance.api.Guard;

/** Lets a test put another guard around a backend's calls (the guard is otherwise set once, by the catalogue). */
public final class BackendGuards {

    private BackendGuards() {
    }

    public static void replace(Backend backend, Guard guard) {
        backend.guard(guard);
    }
}
