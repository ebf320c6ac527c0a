package io.shmipc.transport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Test payloads that prove integrity end to end: a request is a CRC32 followed by random bytes; the server checks
 * it and answers with every byte inverted, again behind a CRC32; the client checks both the CRC and the inversion.
 * Also used by the sidecar bridge's tests (test-jar).
 */
public final class ChecksumEcho
{
    public static final String METHOD = "checksumEcho";
    private static final int CRC_LENGTH = 4;

    private ChecksumEcho()
    {
    }

    public static UnsafeBuffer request(final Random random, final int bodyLength)
    {
        final byte[] bytes = new byte[CRC_LENGTH + bodyLength];
        for (int i = CRC_LENGTH; i < bytes.length; i++)
        {
            bytes[i] = (byte)random.nextInt();
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        buffer.putInt(0, crc(buffer, CRC_LENGTH, bodyLength), ByteOrder.BIG_ENDIAN);
        return buffer;
    }

    /**
     * The server side: check the request, build the answer.
     */
    public static DirectBuffer respond(final DirectBuffer request)
    {
        final int bodyLength = request.capacity() - CRC_LENGTH;
        if (bodyLength < 0 || request.getInt(0, ByteOrder.BIG_ENDIAN) != crc(request, CRC_LENGTH, bodyLength))
        {
            throw new IllegalStateException("request checksum mismatch");
        }
        final UnsafeBuffer response = new UnsafeBuffer(new byte[request.capacity()]);
        for (int i = CRC_LENGTH; i < request.capacity(); i++)
        {
            response.putByte(i, (byte)~request.getByte(i));
        }
        response.putInt(0, crc(response, CRC_LENGTH, bodyLength), ByteOrder.BIG_ENDIAN);
        return response;
    }

    /**
     * The client side: the response must carry a good CRC and be the inverted request.
     */
    public static boolean verify(final DirectBuffer request, final DirectBuffer response)
    {
        if (response.capacity() != request.capacity())
        {
            return false;
        }
        if (response.getInt(0, ByteOrder.BIG_ENDIAN) != crc(response, CRC_LENGTH, response.capacity() - CRC_LENGTH))
        {
            return false;
        }
        for (int i = CRC_LENGTH; i < request.capacity(); i++)
        {
            if (response.getByte(i) != (byte)~request.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    private static int crc(final DirectBuffer buffer, final int offset, final int length)
    {
        final CRC32 crc = new CRC32();
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        crc.update(bytes);
        return (int)crc.getValue();
    }
}
