package dev.sluice.limits;

/** The limits of an account, in the order admission checks them. */
public enum Limit {
    CONCURRENCY("concurrency"), QUOTA("quota"), RATE("rate"), TOKENS("tokens"), CREDITS("credits");

    private final String label;

    Limit(String label) {
        this.label = label;
    }

    /** The name in metrics and in the RateLimit-Policy structured field. */
    public String label() {
        return label;
    }
}
