package io.shmipc.sidecar;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Payloads that prove the bytes crossed every hop untouched: a CRC32 followed by random bytes; the far end checks
 * the CRC and answers with every byte inverted behind a fresh CRC; the caller checks both.
 */
final class ChecksumPayloads
{
    private static final int CRC_LENGTH = 4;

    private ChecksumPayloads()
    {
    }

    static UnsafeBuffer request(final Random random, final int bodyLength)
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

    static DirectBuffer respond(final DirectBuffer request)
    {
        final int bodyLength = request.capacity() - CRC_LENGTH;
        if (bodyLength < 0 || request.getInt(0, ByteOrder.BIG_ENDIAN) != crc(request, CRC_LENGTH, bodyLength))
        {
            throw new IllegalStateException("request checksum mismatch: the payload was altered on the way");
        }
        final UnsafeBuffer response = new UnsafeBuffer(new byte[request.capacity()]);
        for (int i = CRC_LENGTH; i < request.capacity(); i++)
        {
            response.putByte(i, (byte)~request.getByte(i));
        }
        response.putInt(0, crc(response, CRC_LENGTH, bodyLength), ByteOrder.BIG_ENDIAN);
        return response;
    }

    static boolean verify(final DirectBuffer request, final DirectBuffer response)
    {
        if (response.capacity() != request.capacity() ||
            response.getInt(0, ByteOrder.BIG_ENDIAN) != crc(response, CRC_LENGTH, response.capacity() - CRC_LENGTH))
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
