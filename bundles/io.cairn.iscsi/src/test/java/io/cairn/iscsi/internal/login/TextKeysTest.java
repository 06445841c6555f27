package io.cairn.iscsi.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TextKeysTest {

    private static byte[] text(String s) {
        return s.replace('|', '\0').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void givenPairsWithTrailingNuls_whenParsed_thenKeysKeepTheirOrderAndValuesMayBeEmptyOrContainEquals() throws Exception {
        Map<String, String> keys = TextKeys.parse(text("InitiatorName=iqn.x|SendTargets=|X-a.b=1=2|||"));

        assertThat(keys).containsExactly(Map.entry("InitiatorName", "iqn.x"), Map.entry("SendTargets", ""), Map.entry("X-a.b", "1=2"));
    }

    @Test
    void givenMalformedText_whenParsed_thenTheLoginFailsAsAnInitiatorError() {
        for (String bad : new String[] {"NoEquals|", "=value|", "Bad Key=1|", "A=1|A=2|", "K" + "x".repeat(63) + "=1|",
                "V=" + "x".repeat(TextKeys.MAX_VALUE_LENGTH + 1) + "|"}) {
            assertThatThrownBy(() -> TextKeys.parse(text(bad))).as(bad).isInstanceOfSatisfying(LoginException.class,
                    e -> assertThat(e.status()).isEqualTo(LoginException.INITIATOR_ERROR));
        }
    }

    @Test
    void givenNumbersBooleansAndBinaries_whenDecoded_thenRangesAndEncodingsAreChecked() {
        assertThat(TextKeys.number("262144", 512, 16777215)).isEqualTo(262144);
        assertThat(TextKeys.number("0x40000", 512, 16777215)).isEqualTo(262144);
        assertThat(TextKeys.number("100", 512, 16777215)).isEqualTo(-1);
        assertThat(TextKeys.number("-5", 0, 10)).isEqualTo(-1);
        assertThat(TextKeys.number("12a", 0, 1000)).isEqualTo(-1);
        assertThat(TextKeys.number("99999999999999999999", 0, 10)).isEqualTo(-1);
        assertThat(TextKeys.bool("Yes")).isTrue();
        assertThat(TextKeys.bool("no")).isNull();
        assertThat(TextKeys.binary("0x0aff")).containsExactly(0x0a, 0xff);
        assertThat(TextKeys.binary("0xaff")).containsExactly(0x0a, 0xff);
        assertThat(TextKeys.binary("0bAAE=")).containsExactly(0, 1);
        assertThat(TextKeys.binary("0xzz")).isNull();
        assertThat(TextKeys.binary("1234")).isNull();
    }

    @Test
    void givenKeys_whenEncoded_thenEachPairEndsWithNul() throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("A", "1");
        keys.put("B", "two");

        assertThat(TextKeys.encode(keys)).isEqualTo(text("A=1|B=two|"));
        assertThat(TextKeys.parse(TextKeys.encode(keys))).isEqualTo(keys);
    }
}
