package dev.sluice.limits;

/**
 * The answer of a limit store to a change of an account's credit balance.
 *
 * @param applied false when a deduction was refused because it would take the balance below zero
 * @param balanceMicros the balance after the change (or as it stands, when refused), in micro-credits
 */
public record TopUp(boolean applied, long balanceMicros) {
}
