package dev.sluice.error;

/** Who decided an error: the proxy itself, or a backend whose own error answer is relayed. */
public enum Origin {
    ROUTER, PROVIDER;

    public String wire() {
        return this == ROUTER ? "router" : "provider";
    }
}
