package io.shmipc.sidecar;

import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.RpcClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeqIdLanesTest
{
    private final SeqIdLanes lanes = new SeqIdLanes(SeqIdLanesTest::idleClient, 2);

    @AfterEach
    void close()
    {
        lanes.close();
    }

    @Test
    void shouldGiveASecondCallerWithTheSameSeqIdAnotherLaneAndReuseFreedOnes()
    {
        final SeqIdLanes.Lane first = lanes.claim(17);
        final SeqIdLanes.Lane second = lanes.claim(17);
        assertNotSame(first, second);
        assertSame(first, lanes.claim(18), "other seq ids share the first lane");

        first.release(17);
        assertSame(first, lanes.claim(17));
    }

    @Test
    void shouldRefuseASeqIdInFlightOnEveryLaneByName()
    {
        lanes.claim(5);
        lanes.claim(5);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> lanes.claim(5));
        assertTrue(ex.getMessage().contains("seq id 5"), ex.getMessage());
    }

    @Test
    void shouldKeepATimedOutSeqIdOffItsLaneUntilTheQuarantineEnds() throws Exception
    {
        final SeqIdLanes.Lane first = lanes.claim(9);
        first.quarantine(9, Duration.ofHours(1));
        final SeqIdLanes.Lane second = lanes.claim(9);
        assertNotSame(first, second, "a late reply on the first lane must not answer the new call");
        second.release(9);

        final SeqIdLanes.Lane third = lanes.claim(10);
        third.quarantine(10, Duration.ofMillis(1));
        Thread.sleep(20);
        assertSame(third, lanes.claim(10), "the quarantine is over");
    }

    private static RpcClient idleClient()
    {
        final ClientOptions.Builder options = ClientOptions.builder().target("127.0.0.1:9");
        options.shm().enabled(false);
        return RpcClient.create(options.build());
    }
}
