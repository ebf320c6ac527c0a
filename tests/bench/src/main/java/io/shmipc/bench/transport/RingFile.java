package io.shmipc.bench.transport;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file holding two Agrona one-to-one ring buffers, requests then responses:
 * <pre>
 *   0                      ringLength               2 * ringLength
 *   +----------------------+------------------------+
 *   | request ring         | response ring          |
 *   | capacity | trailer   | capacity | trailer     |
 *   +----------------------+------------------------+
 * </pre>
 * Each record is a 4-byte stream index followed by the payload. {@code capacity} is a power of two at least eight
 * times the largest record, Agrona's limit for one message. Both processes fault the whole file in when they map it.
 */
final class RingFile
{
    /** Bytes before the payload in each record: the stream index. */
    static final int STREAM_HEADER_LENGTH = Integer.BYTES;
    /** The message type id of every record. */
    static final int MESSAGE_TYPE = 1;

    private static final int MIN_CAPACITY = 1 << 20;
    private static final int MAX_CAPACITY = 1 << 29;

    private final Path path;
    private final OneToOneRingBuffer requests;
    private final OneToOneRingBuffer responses;

    private RingFile(final Path path, final MappedByteBuffer mapping, final int ringLength)
    {
        // Fault every page in now: a ring sized for megabyte payloads is tens of megabytes, and first-touch page
        // faults during measurement would be charged to the transport.
        mapping.load();
        this.path = path;
        requests = new OneToOneRingBuffer(new UnsafeBuffer(mapping, 0, ringLength));
        responses = new OneToOneRingBuffer(new UnsafeBuffer(mapping, ringLength, ringLength));
    }

    /**
     * @param maxPayload the largest payload either ring must carry.
     * @return the ring capacity to use.
     */
    static int capacityFor(final int maxPayload)
    {
        final long needed = 8L * (maxPayload + STREAM_HEADER_LENGTH);
        if (needed > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("payload of " + maxPayload + " bytes needs a ring larger than " +
                MAX_CAPACITY + " bytes");
        }
        return Math.max(MIN_CAPACITY, BitUtil.findNextPositivePowerOfTwo((int)needed));
    }

    /**
     * Creates a new zeroed ring file and maps it.
     */
    static RingFile create(final Path path, final int capacity) throws IOException
    {
        Files.deleteIfExists(path);
        final int ringLength = capacity + RingBufferDescriptor.TRAILER_LENGTH;
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.setLength(2L * ringLength);
            final MappedByteBuffer mapping = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 2L * ringLength);
            // Writing allocates every tmpfs page up front (a read of a hole may not).
            new UnsafeBuffer(mapping).setMemory(0, 2 * ringLength, (byte)0);
            return new RingFile(path, mapping, ringLength);
        }
    }

    /**
     * Maps a ring file a server created.
     */
    static RingFile open(final Path path) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            final long length = file.length();
            final long ringLength = length / 2;
            if (length % 2 != 0 || !BitUtil.isPowerOfTwo(ringLength - RingBufferDescriptor.TRAILER_LENGTH))
            {
                throw new IOException(path + " is not a ring file (length " + length + ")");
            }
            return new RingFile(path, file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length),
                (int)ringLength);
        }
    }

    Path path()
    {
        return path;
    }

    OneToOneRingBuffer requests()
    {
        return requests;
    }

    OneToOneRingBuffer responses()
    {
        return responses;
    }
}
