package dev.sluice.config;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Collects what is wrong with a configuration, each problem naming its key path, and reports them all at once. */
public final class ConfigProblems {

    private final List<String> problems = new ArrayList<>();

    public void add(String keyPath, String problem) {
        problems.add(keyPath + ": " + problem);
    }

    public List<String> list() {
        return problems;
    }

    private static final Pattern NOT_CONVERTED = Pattern.compile("The config property (\\S+) with the config value \"(.*)\" "
            + "threw an Exception whilst being converted (?:[\\w.$]+(?:Exception|Error): )?(?:SRCFG\\d+: )?(.*)", Pattern.DOTALL);
    private static final Pattern REQUIRED = Pattern.compile(
            "The config property (\\S+) is required but it could not be found in any config source");
    private static final Pattern EMPTY = Pattern.compile(
            "The config property (\\S+) is defined as the empty String \\(\"\"\\) which the following Converter "
                    + "considered to be null.*", Pattern.DOTALL);
    private static final Pattern UNKNOWN = Pattern.compile("(\\S+) in .* does not map to any root");
    private static final Pattern NOISE = Pattern.compile("(?:[\\w$]+\\.)+[\\w$]*(?:Exception|Error): |SRCFG\\d+: ");

    /**
     * What the configuration library's failure says, as this class says problems: each one as its key path and what is
     * wrong, without the library's message codes and Java class names ({@code sluice.accounts.a.concurrency: "two"
     * cannot be read: Expected an integer value, got "two"}).
     */
    public static String describe(RuntimeException failure) {
        List<String> messages = new ArrayList<>();
        if (failure instanceof ConfigValidationException validation) {
            for (int i = 0; i < validation.getProblemCount(); i++) {
                messages.add(validation.getProblem(i).getMessage());
            }
        } else {
            messages.add(failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage());
        }
        List<String> described = new ArrayList<>();
        for (String message : messages) {
            String plain = NOISE.matcher(message).replaceAll("").strip();
            Matcher matcher;
            if ((matcher = NOT_CONVERTED.matcher(plain)).matches()) {
                String reason = matcher.group(3).strip();
                described.add(matcher.group(1) + ": \"" + matcher.group(2) + "\" cannot be read"
                        + (reason.isEmpty() ? "" : ": " + reason));
            } else if ((matcher = REQUIRED.matcher(plain)).matches()) {
                described.add(matcher.group(1) + ": is required");
            } else if ((matcher = EMPTY.matcher(plain)).matches()) {
                described.add(matcher.group(1) + ": is empty (give it a value, or leave it out for its default)");
            } else if ((matcher = UNKNOWN.matcher(plain)).matches()) {
                described.add(matcher.group(1) + ": is not a setting (a misspelt key?)");
            } else {
                described.add(plain);
            }
        }
        return String.join("; ", described);
    }

    /** Stops start-up with one message listing every problem. */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigurationException("Invalid Sluice configuration: " + String.join("; ", problems));
        }
    }
}
