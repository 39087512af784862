package dev.sluice.limits;

/**
 * The answer of a limit store to a change of an account's credit balance.
 *
 * @param applied false when the change was refused: a deduction would take the balance below zero, or an addition
 *     above the largest balance
 * @param balanceMicros the balance after the change (or as it stands, when refused), in micro-credits
 */
public record TopUp(boolean applied, long balanceMicros) {
}
