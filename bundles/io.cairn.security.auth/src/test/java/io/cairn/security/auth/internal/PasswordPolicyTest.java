package io.cairn.security.auth.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.cairn.common.error.CairnException;

class PasswordPolicyTest {

    static final PasswordPolicy P = PasswordPolicy.BASELINE;

    @Test
    void givenBaseline_whenWeakPasswords_thenRefusedWithTheRule() {
        assertThatThrownBy(() -> P.check("bob", "Ab1!", null, List.of(), (a, b) -> false)).isInstanceOf(CairnException.class)
                .hasMessageContaining("at least 8");
        assertThatThrownBy(() -> P.check("bob", "abcdefg1!", null, List.of(), (a, b) -> false)).hasMessageContaining("upper-case");
        assertThatThrownBy(() -> P.check("bob", "Abcdefgh1", null, List.of(), (a, b) -> false)).hasMessageContaining("other character");
        assertThatCode(() -> P.check("bob", "Abcdefg1!", null, List.of(), (a, b) -> false)).doesNotThrowAnyException();
    }

    @Test
    void givenSelfChange_whenTooFewNewCharacters_thenRefused() {
        assertThatThrownBy(() -> P.check("bob", "Abcdefg1!x", "Abcdefg1!", List.of(), (a, b) -> false)).hasMessageContaining("4 different");
        assertThatCode(() -> P.check("bob", "Wxyz-7890Q", "Abcdefg1!", List.of(), (a, b) -> false)).doesNotThrowAnyException();
    }

    @Test
    void givenHistory_whenReused_thenRefusedOnlyWithinRemember() {
        List<String> history = List.of("h1", "h2", "h3", "h4", "h5", "h6");
        assertThatThrownBy(() -> P.check("bob", "Abcdefg1!", null, history, (pw, h) -> h.equals("h5"))).hasMessageContaining("last 5");
        assertThatCode(() -> P.check("bob", "Abcdefg1!", null, history, (pw, h) -> h.equals("h6"))).doesNotThrowAnyException();
    }

    @Test
    void givenHighStrength_when14Characters_thenRefused() {
        assertThatThrownBy(() -> PasswordPolicy.HIGH_STRENGTH.check("bob", "Abcdefghijk1!x", null, List.of(), (a, b) -> false))
                .hasMessageContaining("15");
        assertThatCode(() -> PasswordPolicy.HIGH_STRENGTH.check("bob", "Abcdefghijk1!xy", null, List.of(), (a, b) -> false))
                .doesNotThrowAnyException();
    }
}
