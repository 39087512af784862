package dev.sluice.control;

import dev.sluice.config.Durations;
import dev.sluice.config.SluiceConfig;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An account created through the admin API: a plan and the limits it sets itself, exactly as an account of the
 * configuration file declares them (it is one, for {@link dev.sluice.limits.Accounts#account}). Its credits are not
 * declared: an account has a balance once credits were added to it. Immutable.
 */
public record RuntimeAccount(String name, Optional<String> plan, OptionalInt concurrency, OptionalLong requestsPerWindow,
        Optional<Duration> window, OptionalDouble rate, OptionalDouble burst, OptionalLong tokensPerMinute)
        implements SluiceConfig.Account {

    @Override
    public OptionalDouble credits() {
        return OptionalDouble.empty();
    }

    /**
     * The limits an account sets itself, as the admin API shows them (the same names as the configuration file;
     * absent ones omitted).
     */
    public static JsonObject limits(SluiceConfig.Account account) {
        JsonObject json = new JsonObject();
        account.plan().ifPresent(plan -> json.put("plan", plan));
        account.concurrency().ifPresent(value -> json.put("concurrency", value));
        account.requestsPerWindow().ifPresent(value -> json.put("requests-per-window", value));
        account.window().ifPresent(value -> json.put("window", Durations.format(value)));
        account.rate().ifPresent(value -> json.put("rate", Durations.number(value)));
        account.burst().ifPresent(value -> json.put("burst", Durations.number(value)));
        account.tokensPerMinute().ifPresent(value -> json.put("tokens-per-minute", value));
        return json;
    }

    JsonObject toStored() {
        return limits(this);
    }

    /** Reads an entry of the store; throws IllegalArgumentException naming the field that cannot be read. */
    static RuntimeAccount fromStored(String name, JsonObject json) {
        StoredFields fields = new StoredFields(json);
        Optional<Duration> window = fields.string("window").map(text -> {
            try {
                return Durations.parse(text);
            } catch (RuntimeException notADuration) {
                throw fields.wrong("window", "a duration");
            }
        });
        return new RuntimeAccount(name, fields.string("plan"), fields.wholeInt("concurrency"),
                fields.whole("requests-per-window"), window, fields.number("rate"), fields.number("burst"),
                fields.whole("tokens-per-minute"));
    }
}
