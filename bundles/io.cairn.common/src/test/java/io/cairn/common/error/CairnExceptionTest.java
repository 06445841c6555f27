package io.cairn.common.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class CairnExceptionTest {

    @Test
    void givenCodeAndMessage_thenBothAreKeptAndPrinted() {
        CairnException e = new CairnException(ErrorCode.FAILED_PRECONDITION,
                "container 'ctr1' has RF3 but the cluster has 4 nodes; RF3 needs 5");
        assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
        assertThat(e.code().httpStatus()).isEqualTo(412);
        assertThat(e).hasToString("FAILED_PRECONDITION: container 'ctr1' has RF3 but the cluster has 4 nodes; RF3 needs 5");
    }

    @Test
    void givenNoMessage_thenRefused() {
        assertThatThrownBy(() -> new CairnException(ErrorCode.INTERNAL, " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("message a user can act on");
    }

    @Test
    void everyCodeMapsToAnHttpErrorStatus() {
        assertThat(Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::httpStatus)).allMatch(s -> s >= 400 && s < 600);
        assertThat(CairnException.invalid("bad").code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(CairnException.notFound("no vm 'x'").code().httpStatus()).isEqualTo(404);
    }
}
