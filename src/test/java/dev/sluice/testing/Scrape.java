package dev.sluice.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** One scrape of /q/metrics (management interface), parsed into series (name with its sorted labels) and values. */
public final class Scrape {

    private final Map<String, Double> series = new LinkedHashMap<>();
    private final String text;

    private Scrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
    }

    public static Scrape now() {
        return new Scrape(Management.given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    public String text() {
        return text;
    }

    /** The sum of every series of {@code name} whose labels include all of {@code labels} ("k","v",…). */
    public double value(String name, String... labels) {
        double sum = 0;
        for (Map.Entry<String, Double> entry : series.entrySet()) {
            String key = entry.getKey();
            if (!(key.equals(name) || key.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i + 1 < labels.length; i += 2) {
                if (!key.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                    all = false;
                    break;
                }
            }
            if (all) {
                sum += entry.getValue();
            }
        }
        return sum;
    }

    /**
     * A gauge's value, NaN when no series matches: {@link #value} sums, so it reads a missing series as 0, which a
     * test waiting for a gauge of 0 (down, closed) must not take for the value.
     */
    public double gauge(String name, String... labels) {
        return has(name, labels) ? value(name, labels) : Double.NaN;
    }

    public boolean has(String name, String... labels) {
        for (String key : series.keySet()) {
            if (key.equals(name) || key.startsWith(name + "{")) {
                boolean all = true;
                for (int i = 0; i + 1 < labels.length; i += 2) {
                    all &= key.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
                }
                if (all) {
                    return true;
                }
            }
        }
        return false;
    }
}
