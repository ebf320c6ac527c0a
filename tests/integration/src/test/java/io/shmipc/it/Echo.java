package io.shmipc.it;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoFrame;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Echo round trips with the demo's frame (length, CRC-32, payload), checked byte for byte. */
final class Echo {
    private Echo() {
    }

    /** A payload of {@code size} bytes whose content depends on {@code seed}. */
    static byte[] payload(final int size, final long seed) {
        final byte[] payload = new byte[size];
        EchoFrame.fill(payload, seed);
        return payload;
    }

    /** Sends one frame, receives its echo (CRC checked by EchoFrame), and compares every byte. */
    static void roundTrip(final Stream stream, final byte[] payload, final byte[] scratch) throws ShmIpcException {
        EchoFrame.send(stream, payload, payload.length);
        expect(stream, payload, scratch);
    }

    /** Receives one echo frame and checks it equals {@code payload}. */
    static void expect(final Stream stream, final byte[] payload, final byte[] scratch) throws ShmIpcException {
        final int length = EchoFrame.receive(stream, scratch);
        assertEquals(payload.length, length, "echoed frame length on stream " + stream.id());
        if (!Arrays.equals(payload, 0, length, scratch, 0, length)) {
            fail("echo of " + length + " bytes on stream " + stream.id() + " differs from what was sent (first "
                + "difference at byte " + Arrays.mismatch(payload, 0, length, scratch, 0, length) + ")");
        }
    }
}
