package dev.sluice.routing;

/** Price of a model in credits per 1,000 tokens. */
public record Price(double inputPer1k, double outputPer1k) {

    public static final Price FREE = new Price(0, 0);

    public double cost(long promptTokens, long completionTokens) {
        return inputPer1k * promptTokens / 1000.0 + outputPer1k * completionTokens / 1000.0;
    }

    public boolean free() {
        return inputPer1k == 0 && outputPer1k == 0;
    }
}
