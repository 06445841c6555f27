package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CmdSnWindowTest {

    @Test
    void givenAWindowOf4_whenCommandsArriveInOrder_thenTheyAreDeliveredAndMaxCmdSnOnlyAdvancesOnCompletion() {
        CmdSnWindow<String> w = new CmdSnWindow<>(10, 4);
        assertThat(w.maxCmdSn()).isEqualTo(13);

        assertThat(w.submit(10, false, "a")).containsExactly("a");
        assertThat(w.expCmdSn()).isEqualTo(11);
        assertThat(w.maxCmdSn()).isEqualTo(13);
        w.complete();
        assertThat(w.maxCmdSn()).isEqualTo(14);
    }

    @Test
    void givenCommandsOutsideTheWindow_whenSubmitted_thenTheyAreIgnored() {
        CmdSnWindow<String> w = new CmdSnWindow<>(10, 4);

        assertThat(w.submit(14, false, "too high")).isNull();
        assertThat(w.submit(9, false, "too low")).isNull();
        assertThat(w.expCmdSn()).isEqualTo(10);
    }

    @Test
    void givenAGap_whenTheMissingCommandArrives_thenTheHeldOnesFollowInOrder() {
        CmdSnWindow<String> w = new CmdSnWindow<>(10, 4);

        assertThat(w.submit(12, false, "c")).isEmpty();
        assertThat(w.submit(11, false, "b")).isEmpty();
        assertThat(w.submit(10, false, "a")).containsExactly("a", "b", "c");
        assertThat(w.expCmdSn()).isEqualTo(13);
    }

    @Test
    void givenAFullWindow_thenNothingMoreIsAccepted_butImmediateCommandsStillAre() {
        CmdSnWindow<String> w = new CmdSnWindow<>(0, 2);
        w.submit(0, false, "a");
        w.submit(1, false, "b");

        assertThat(w.maxCmdSn() - w.expCmdSn()).isEqualTo(-1);
        assertThat(w.submit(2, false, "c")).isNull();
        assertThat(w.submit(2, true, "tmf")).containsExactly("tmf");
        w.complete();
        assertThat(w.submit(2, false, "c")).containsExactly("c");
    }

    @Test
    void givenCmdSnWrapping_thenSerialArithmeticApplies() {
        CmdSnWindow<String> w = new CmdSnWindow<>(0xfffffffe, 8);

        assertThat(w.submit(0xfffffffe, false, "a")).containsExactly("a");
        assertThat(w.submit(0xffffffff, false, "b")).containsExactly("b");
        assertThat(w.submit(0, false, "c")).containsExactly("c");
        assertThat(w.expCmdSn()).isEqualTo(1);
        assertThat(w.submit(0xfffffff0, false, "old")).isNull();
        assertThat(CmdSnWindow.before(0xffffffff, 0)).isTrue();
        assertThat(CmdSnWindow.before(0, 0xffffffff)).isFalse();
    }
}
