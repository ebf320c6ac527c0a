package io.shmipc.transport.thrift;

import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.FramedThriftCodec;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.codec.TTHeader;
import io.shmipc.transport.codec.TTHeaderCodec;
import io.shmipc.transport.codec.TTHeaderDescriptor;
import org.apache.thrift.TByteArrayOutputStream;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TLayeredTransport;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * An Apache Thrift layered transport that frames each message in a TTHeader, the way Kitex peers (and an
 * {@link io.shmipc.transport.RpcServer}) expect: wrap a {@code TSocket} with it and generated clients speak
 * TTHeader-framed Thrift binary, with info keys from {@link #requestHeader()}. Used like {@code TFramedTransport}.
 * <p>
 * Copies: the protocol writes into this transport's buffer (as with {@code TFramedTransport}); the header is
 * written in front of it, without copying the message. Received frames are read once into a byte array and the
 * protocol reads the message from it in place.
 */
public final class TTHeaderTransport extends TLayeredTransport
{
    private static final int INITIAL_WRITE_BUFFER = 1024;
    private static final int STRICT_MESSAGE_SEQ_ID_BASE = 8;

    private final TByteArrayOutputStream writeBuffer = new TByteArrayOutputStream(INITIAL_WRITE_BUFFER);
    private final TMemoryInputTransport readBuffer;
    private final TTHeader requestHeader = new TTHeader();
    private final TTHeader responseHeader = new TTHeader();
    private final byte[] lengthField = new byte[TTHeaderDescriptor.LENGTH_FIELD_LENGTH];
    private final boolean framedPayload;
    private final int maxFrameSize;

    /**
     * TTHeaderFramed (Kitex's default) with Thrift's default maximum frame size.
     *
     * @param inner the transport underneath, usually a {@code TSocket}.
     * @throws TTransportException when the read buffer cannot be set up.
     */
    public TTHeaderTransport(final TTransport inner) throws TTransportException
    {
        this(inner, true, FramedThriftCodec.THRIFT_DEFAULT_MAX_FRAME_SIZE);
    }

    /**
     * @param inner         the transport underneath.
     * @param framedPayload put a u32 frame length before each message inside the TTHeader (TTHeaderFramed).
     * @param maxFrameSize  largest frame accepted, length field included.
     * @throws TTransportException when the read buffer cannot be set up.
     */
    public TTHeaderTransport(final TTransport inner, final boolean framedPayload, final int maxFrameSize)
        throws TTransportException
    {
        super(inner);
        this.framedPayload = framedPayload;
        this.maxFrameSize = maxFrameSize;
        final TConfiguration configuration = inner.getConfiguration() != null ? inner.getConfiguration() :
            new TConfiguration();
        this.readBuffer = new TMemoryInputTransport(configuration, new byte[0]);
    }

    /**
     * @return the header written with every message: set info keys and flags here. Its seq id is overwritten
     * with each message's own.
     */
    public TTHeader requestHeader()
    {
        return requestHeader;
    }

    /**
     * @return the header of the last frame read (the server's info keys).
     */
    public TTHeader responseHeader()
    {
        return responseHeader;
    }

    @Override
    public void open() throws TTransportException
    {
        getInnerTransport().open();
    }

    @Override
    public boolean isOpen()
    {
        return getInnerTransport().isOpen();
    }

    @Override
    public void close()
    {
        getInnerTransport().close();
    }

    @Override
    public int read(final byte[] buf, final int off, final int len) throws TTransportException
    {
        final int got = readBuffer.read(buf, off, len);
        if (got > 0)
        {
            return got;
        }
        readFrame();
        return readBuffer.read(buf, off, len);
    }

    @Override
    public byte[] getBuffer()
    {
        return readBuffer.getBuffer();
    }

    @Override
    public int getBufferPosition()
    {
        return readBuffer.getBufferPosition();
    }

    @Override
    public int getBytesRemainingInBuffer()
    {
        return readBuffer.getBytesRemainingInBuffer();
    }

    @Override
    public void consumeBuffer(final int len)
    {
        readBuffer.consumeBuffer(len);
    }

    @Override
    public void write(final byte[] buf, final int off, final int len)
    {
        writeBuffer.write(buf, off, len);
    }

    @Override
    public void flush() throws TTransportException
    {
        final byte[] message = writeBuffer.get();
        final int messageLength = writeBuffer.len();
        writeBuffer.reset();

        requestHeader.seqId(seqIdOf(message, messageLength));
        final int payloadLength = framedPayload ? FramedThriftCodec.LENGTH_FIELD_LENGTH + messageLength :
            messageLength;
        final byte[] header;
        try
        {
            final int headerLength = TTHeaderCodec.headerLength(requestHeader);
            final int prefix = headerLength + (framedPayload ? FramedThriftCodec.LENGTH_FIELD_LENGTH : 0);
            header = new byte[prefix];
            final UnsafeBuffer view = new UnsafeBuffer(header);
            TTHeaderCodec.encode(requestHeader, payloadLength, view, 0);
            if (framedPayload)
            {
                FramedThriftCodec.encodeLength(view, headerLength, messageLength);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TTransportException(TTransportException.UNKNOWN, "cannot frame message: " + ex.getMessage());
        }
        getInnerTransport().write(header, 0, header.length);
        getInnerTransport().write(message, 0, messageLength);
        getInnerTransport().flush();
    }

    private void readFrame() throws TTransportException
    {
        getInnerTransport().readAll(lengthField, 0, lengthField.length);
        final long lengthValue = new UnsafeBuffer(lengthField).getInt(0, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        try
        {
            TTHeaderCodec.checkFrameLength(lengthValue, maxFrameSize);
            final byte[] frame = new byte[(int)lengthValue + lengthField.length];
            System.arraycopy(lengthField, 0, frame, 0, lengthField.length);
            getInnerTransport().readAll(frame, lengthField.length, (int)lengthValue);

            final UnsafeBuffer view = new UnsafeBuffer(frame);
            if (frame.length < FrameKind.DETECTION_LENGTH || FrameKind.detect(view, 0) != FrameKind.TTHEADER)
            {
                throw new MalformedFrameException(MalformedFrameException.Reason.BAD_MAGIC,
                    "expected a TTHeader frame from the server");
            }
            int start = TTHeaderCodec.decode(view, 0, frame.length, maxFrameSize, responseHeader);
            int length = frame.length - start;
            if (RpcFrameCodec.isFramedPayload(view, start, length))
            {
                length = FramedThriftCodec.enclosedMessageLength(view, start, length);
                start += FramedThriftCodec.LENGTH_FIELD_LENGTH;
            }
            readBuffer.reset(frame, start, length);
        }
        catch (final MalformedFrameException ex)
        {
            close();
            throw new TTransportException(TTransportException.CORRUPTED_DATA, ex.getMessage());
        }
    }

    /**
     * The seq id of a strict Thrift binary message: after the version word, the name length and the name.
     */
    private static int seqIdOf(final byte[] message, final int length)
    {
        if (length < STRICT_MESSAGE_SEQ_ID_BASE + 4)
        {
            return 0;
        }
        final UnsafeBuffer view = new UnsafeBuffer(message, 0, length);
        final int nameLength = view.getInt(4, ByteOrder.BIG_ENDIAN);
        final int index = STRICT_MESSAGE_SEQ_ID_BASE + nameLength;
        if (nameLength < 0 || index + 4 > length)
        {
            return 0;
        }
        return view.getInt(index, ByteOrder.BIG_ENDIAN);
    }
}
