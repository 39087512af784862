package dev.sluice.control;

import dev.sluice.routing.Catalog;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Holds the current {@link Generation}: the request path reads it once per request (a volatile read, no lock, no
 * allocation); a configuration reload or a change of the runtime keys and accounts replaces it as a whole.
 *
 * <p>Thread-safe: readers never wait; writers are serialised.
 */
public final class ControlPlane {

    private static final Logger LOGGER = Logger.getLogger(ControlPlane.class);

    private final Consumer<Catalog> catalogChanged;
    private volatile Generation current;

    /** @param catalogChanged told of a new catalogue (its backends' circuit gauges), on the thread that applied it */
    public ControlPlane(FileSetup file, Consumer<Catalog> catalogChanged) {
        this.catalogChanged = catalogChanged;
        this.current = new Generation(1, file, RuntimeState.EMPTY);
    }

    /** What new requests are served with. */
    public Generation generation() {
        return current;
    }

    /** A reloaded configuration file: new requests use it, requests under way keep theirs. */
    public synchronized void file(FileSetup file) {
        Generation previous = current;
        current = new Generation(previous.number() + 1, file, previous.runtime());
        if (previous.catalog() != file.catalog()) {
            catalogChanged.accept(file.catalog());
        }
    }

    /** The runtime keys and accounts as the store holds them now. */
    public synchronized void runtime(RuntimeState runtime) {
        Generation previous = current;
        current = new Generation(previous.number() + 1, previous.file(), runtime);
        LOGGER.debugf("Runtime keys and accounts at version %d: %d keys, %d accounts", runtime.version(),
                runtime.keys().size(), runtime.accounts().size());
    }
}
