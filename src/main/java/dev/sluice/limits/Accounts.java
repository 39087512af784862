package dev.sluice.limits;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Every account's limits, resolved once at start-up: the plan's defaults with the account's overrides. */
public final class Accounts {

    private final Map<String, AccountLimits> byName;

    private Accounts(Map<String, AccountLimits> byName) {
        this.byName = byName;
    }

    /** The account's limits, or null for an unknown account. */
    public AccountLimits get(String account) {
        return byName.get(account);
    }

    /** Every account by name (read-only). */
    public Map<String, AccountLimits> byName() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    /** Every account's name. */
    public java.util.Set<String> names() {
        return byName.keySet();
    }

    /**
     * Resolves every account of the configuration, adding problems (key paths named) to {@code problems}.
     *
     * @param declaredEmpty accounts and plans declared with nothing in them (contract §4.2: valid and unlimited),
     *     which the configuration mapping cannot see
     */
    public static Accounts build(SluiceConfig config, SluiceConfigFile.Declared declaredEmpty, ConfigProblems problems) {
        config.plans().forEach((name, plan) -> checkLimits("sluice.plans." + name, plan.concurrency(),
                plan.requestsPerWindow(), plan.window(), plan.rate(), plan.burst(), plan.tokensPerMinute(), problems));
        Map<String, SluiceConfig.Plan> plans = plans(config, declaredEmpty);
        Map<String, AccountLimits> byName = new java.util.LinkedHashMap<>();
        config.accounts().forEach((name, account) -> byName.put(name, account(name, account, plans,
                config.limits().defaultWindow(), "sluice.accounts." + name, problems)));
        for (String name : declaredEmpty.emptyAccounts()) {
            byName.putIfAbsent(name, account(name, EMPTY, plans, config.limits().defaultWindow(),
                    "sluice.accounts." + name, problems));
        }
        return new Accounts(byName);
    }

    /** The configuration's accounts as declared, the ones declared with nothing in them included. */
    public static Map<String, SluiceConfig.Account> declared(SluiceConfig config, SluiceConfigFile.Declared declaredEmpty) {
        Map<String, SluiceConfig.Account> accounts = new java.util.LinkedHashMap<>(config.accounts());
        declaredEmpty.emptyAccounts().forEach(name -> accounts.putIfAbsent(name, EMPTY));
        return accounts;
    }

    /** The configuration's plans, the ones declared with nothing in them included (every limit unlimited). */
    public static Map<String, SluiceConfig.Plan> plans(SluiceConfig config, SluiceConfigFile.Declared declaredEmpty) {
        Map<String, SluiceConfig.Plan> plans = new java.util.LinkedHashMap<>(config.plans());
        declaredEmpty.emptyPlans().forEach(name -> plans.putIfAbsent(name, EMPTY));
        return plans;
    }

    /** An account or a plan that sets nothing. */
    private static final Empty EMPTY = new Empty();

    private static final class Empty implements SluiceConfig.Account, SluiceConfig.Plan {
        @Override
        public Optional<String> plan() {
            return Optional.empty();
        }

        @Override
        public OptionalInt concurrency() {
            return OptionalInt.empty();
        }

        @Override
        public OptionalLong requestsPerWindow() {
            return OptionalLong.empty();
        }

        @Override
        public Optional<Duration> window() {
            return Optional.empty();
        }

        @Override
        public OptionalDouble rate() {
            return OptionalDouble.empty();
        }

        @Override
        public OptionalDouble burst() {
            return OptionalDouble.empty();
        }

        @Override
        public OptionalLong tokensPerMinute() {
            return OptionalLong.empty();
        }

        @Override
        public OptionalDouble credits() {
            return OptionalDouble.empty();
        }
    }

    /**
     * One account's limits: its plan's defaults with its own overrides, adding the problems it has to
     * {@code problems} (named under {@code path}). Used for the accounts of the file and for those created at run time.
     */
    public static AccountLimits account(String name, SluiceConfig.Account account, Map<String, SluiceConfig.Plan> plans,
            Duration defaultWindow, String path, ConfigProblems problems) {
        if (name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
            problems.add(path, "account names may not contain braces (they delimit the Redis hash tag)");
        }
        SluiceConfig.Plan plan = null;
        if (account.plan().isPresent()) {
            plan = plans.get(account.plan().get());
            if (plan == null) {
                problems.add(path + ".plan", "names unknown plan '" + account.plan().get() + "'");
            }
        }
        checkLimits(path, account.concurrency(), account.requestsPerWindow(), account.window(), account.rate(),
                account.burst(), account.tokensPerMinute(), problems);
        checkCompanions(path, account, plan, problems);
        if (account.credits().isPresent() && account.credits().getAsDouble() < 0) {
            problems.add(path + ".credits", "must not be negative");
        } else if (account.credits().isPresent() && account.credits().getAsDouble() > Credits.MAX_CREDITS) {
            problems.add(path + ".credits", "must not be above " + (long) Credits.MAX_CREDITS);
        }
        return resolve(name, account, plan, defaultWindow);
    }

    private static AccountLimits resolve(String name, SluiceConfig.Account account, SluiceConfig.Plan plan,
            Duration defaultWindow) {
        Integer concurrency = pick(account.concurrency(), plan == null ? OptionalInt.empty() : plan.concurrency());
        Long requests = pick(account.requestsPerWindow(), plan == null ? OptionalLong.empty() : plan.requestsPerWindow());
        Duration window = account.window().or(() -> plan == null ? Optional.empty() : plan.window()).orElse(defaultWindow);
        Double rate = pick(account.rate(), plan == null ? OptionalDouble.empty() : plan.rate());
        Double burst = pick(account.burst(), plan == null ? OptionalDouble.empty() : plan.burst());
        if (rate != null && burst == null) {
            burst = Math.max(1, rate);
        }
        Long tokens = pick(account.tokensPerMinute(), plan == null ? OptionalLong.empty() : plan.tokensPerMinute());
        Double credits = account.credits().isPresent() ? account.credits().getAsDouble() : null;
        return new AccountLimits(name, account.plan().orElse(null), concurrency, requests,
                // a window past the bound is a problem already; bounded here so that reading it cannot overflow
                Math.max(1000, (window.compareTo(MAX_WINDOW) > 0 ? MAX_WINDOW : window).toMillis()), rate, burst, tokens,
                credits);
    }

    /** Bounds past which the counters' arithmetic and the headers' whole numbers would overflow. */
    private static final Duration MAX_WINDOW = Duration.ofDays(3650);
    private static final double MAX_RATE = 1_000_000;
    /** One request in about 11.6 days: a slower rate's interval overflowed the rate-limit headers' whole numbers. */
    private static final double MIN_RATE = 0.000_001;
    private static final double MAX_BURST = 1_000_000_000;

    private static void checkLimits(String path, OptionalInt concurrency, OptionalLong requests, Optional<Duration> window,
            OptionalDouble rate, OptionalDouble burst, OptionalLong tokens, ConfigProblems problems) {
        if (concurrency.isPresent() && concurrency.getAsInt() < 0) {
            problems.add(path + ".concurrency", "must not be negative");
        }
        if (requests.isPresent() && requests.getAsLong() < 0) {
            problems.add(path + ".requests-per-window", "must not be negative");
        }
        if (window.isPresent() && window.get().compareTo(MAX_WINDOW) > 0) {
            // a window ends at a whole multiple of itself: past years of four digits, window_end is no RFC 3339
            problems.add(path + ".window", "must be at most 3650d");
        } else if (window.isPresent() && window.get().toMillis() < 1000) {
            problems.add(path + ".window", "must be at least one second");
        }
        if (rate.isPresent() && !(rate.getAsDouble() >= MIN_RATE && rate.getAsDouble() <= MAX_RATE)) {
            problems.add(path + ".rate", "must be at least 0.000001 and at most " + (long) MAX_RATE);
        }
        if (burst.isPresent() && !(burst.getAsDouble() >= 1 && burst.getAsDouble() <= MAX_BURST)) {
            problems.add(path + ".burst", "must be at least 1 and at most " + (long) MAX_BURST);
        }
        if (tokens.isPresent() && tokens.getAsLong() < 0) {
            problems.add(path + ".tokens-per-minute", "must not be negative");
        }
    }

    /**
     * A {@code burst} applies to a {@code rate}, a {@code window} to a {@code requests-per-window}: either alone (the
     * account's own or its plan's) limits nothing, which a user who wrote it would not guess.
     */
    private static void checkCompanions(String path, SluiceConfig.Account account, SluiceConfig.Plan plan,
            ConfigProblems problems) {
        boolean rate = account.rate().isPresent() || plan != null && plan.rate().isPresent();
        boolean burst = account.burst().isPresent() || plan != null && plan.burst().isPresent();
        boolean requests = account.requestsPerWindow().isPresent() || plan != null && plan.requestsPerWindow().isPresent();
        boolean window = account.window().isPresent() || plan != null && plan.window().isPresent();
        if (burst && !rate) {
            problems.add(path + ".burst", "applies to a rate (requests per second), and neither the account nor its plan "
                    + "sets one: alone it limits nothing");
        }
        if (window && !requests) {
            problems.add(path + ".window", "applies to requests-per-window, and neither the account nor its plan sets "
                    + "it: alone it limits nothing");
        }
    }

    private static Integer pick(OptionalInt own, OptionalInt plan) {
        return own.isPresent() ? Integer.valueOf(own.getAsInt()) : plan.isPresent() ? Integer.valueOf(plan.getAsInt()) : null;
    }

    private static Long pick(OptionalLong own, OptionalLong plan) {
        return own.isPresent() ? Long.valueOf(own.getAsLong()) : plan.isPresent() ? Long.valueOf(plan.getAsLong()) : null;
    }

    private static Double pick(OptionalDouble own, OptionalDouble plan) {
        return own.isPresent() ? Double.valueOf(own.getAsDouble()) : plan.isPresent() ? Double.valueOf(plan.getAsDouble()) : null;
    }
}
