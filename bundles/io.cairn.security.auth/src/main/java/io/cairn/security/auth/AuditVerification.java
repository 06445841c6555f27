package io.cairn.security.auth;

/**
 * The result of checking the chain: {@code intact}, how many records were checked, and the first
 * record that does not fit ({@code firstBadSeq}; -1 when intact) with why.
 */
public record AuditVerification(boolean intact, long records, long firstBadSeq, String reason) {
}
