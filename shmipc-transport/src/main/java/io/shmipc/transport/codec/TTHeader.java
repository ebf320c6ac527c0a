package io.shmipc.transport.codec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fields of a TTHeader other than its lengths: flags, sequence id, protocol id, transforms and info keys.
 * Mutable so that a decoder can fill it and pipeline handlers can add keys before it is encoded. Integer keys are
 * kept sorted and string keys in insertion order, so the same header always encodes to the same bytes.
 */
public final class TTHeader
{
    private static final byte[] NO_TRANSFORMS = new byte[0];

    private int flags;
    private int seqId;
    private int protocolId = TTHeaderDescriptor.PROTOCOL_THRIFT_BINARY;
    private byte[] transformIds = NO_TRANSFORMS;
    /** Created on first use: most headers carry no keys, and a call goes through four headers. */
    private Map<String, String> stringInfo;
    private Map<Integer, String> intInfo;
    /** Keys shared with their source (a request) until one is changed; then they become this header's own maps. */
    private InfoKeys sharedInfo;
    private String aclToken;
    /** Counts changes to the fields an encoded {@link FrameHead} depends on (all but the seq id). */
    private int changes;

    /**
     * @return the u16 flags ({@link TTHeaderDescriptor#FLAG_OUT_OF_ORDER} and friends).
     */
    public int flags()
    {
        return flags;
    }

    /**
     * @param flags the u16 flags.
     * @return this.
     */
    public TTHeader flags(final int flags)
    {
        if ((flags & ~TTHeaderDescriptor.MAX_U16) != 0)
        {
            throw new IllegalArgumentException("TTHeader flags are u16, got 0x" + Integer.toHexString(flags));
        }
        this.flags = flags;
        changes++;
        return this;
    }

    /**
     * @return the sequence id.
     */
    public int seqId()
    {
        return seqId;
    }

    /**
     * @param seqId the sequence id.
     * @return this.
     */
    public TTHeader seqId(final int seqId)
    {
        this.seqId = seqId;
        return this;
    }

    /**
     * @return the payload protocol id ({@link TTHeaderDescriptor#PROTOCOL_THRIFT_BINARY} and friends).
     */
    public int protocolId()
    {
        return protocolId;
    }

    /**
     * @param protocolId the u8 payload protocol id.
     * @return this.
     */
    public TTHeader protocolId(final int protocolId)
    {
        if ((protocolId & ~0xFF) != 0)
        {
            throw new IllegalArgumentException("TTHeader protocol id is u8, got " + protocolId);
        }
        this.protocolId = protocolId;
        changes++;
        return this;
    }

    /**
     * @return a copy of the transform ids (Kitex writes none).
     */
    public byte[] transformIds()
    {
        return transformIds.length == 0 ? NO_TRANSFORMS : transformIds.clone();
    }

    /**
     * @return how many transforms the header lists.
     */
    public int transformCount()
    {
        return transformIds.length;
    }

    /**
     * @param ids transform ids, at most 255.
     * @return this.
     */
    public TTHeader transformIds(final byte... ids)
    {
        if (ids.length > 0xFF)
        {
            throw new IllegalArgumentException("a TTHeader lists at most 255 transforms, got " + ids.length);
        }
        this.transformIds = ids.length == 0 ? NO_TRANSFORMS : ids.clone();
        changes++;
        return this;
    }

    /**
     * @return the string info keys, mutable.
     */
    public Map<String, String> stringInfo()
    {
        changes++;
        unshareInfo();
        if (stringInfo == null)
        {
            stringInfo = new LinkedHashMap<>();
        }
        return stringInfo;
    }

    /**
     * @return the string info keys to read only (no map is created for a header without any).
     */
    public Map<String, String> stringInfoView()
    {
        if (sharedInfo != null)
        {
            return sharedInfo.stringInfo();
        }
        return stringInfo != null ? stringInfo : Map.of();
    }

    /**
     * @return the integer info keys by u16 key, mutable.
     */
    public Map<Integer, String> intInfo()
    {
        changes++;
        unshareInfo();
        if (intInfo == null)
        {
            intInfo = new TreeMap<>();
        }
        return intInfo;
    }

    /**
     * @return the integer info keys to read only (no map is created for a header without any).
     */
    public Map<Integer, String> intInfoView()
    {
        if (sharedInfo != null)
        {
            return sharedInfo.intInfo();
        }
        return intInfo != null ? intInfo : Map.of();
    }

    /**
     * Take {@code keys} as this header's info keys, replacing any it had, without copying them: they are encoded
     * from their cached bytes, and copied only if a key is changed later through {@link #intInfo()},
     * {@link #stringInfo()} or the {@code put} methods.
     *
     * @param keys the keys.
     * @return this.
     */
    public TTHeader info(final InfoKeys keys)
    {
        if (stringInfo != null)
        {
            stringInfo.clear();
        }
        if (intInfo != null)
        {
            intInfo.clear();
        }
        sharedInfo = keys.isEmpty() ? null : keys;
        changes++;
        return this;
    }

    /**
     * @return the shared keys taken with {@link #info(InfoKeys)} and not changed since, or {@code null}.
     */
    InfoKeys sharedInfo()
    {
        return sharedInfo;
    }

    private void unshareInfo()
    {
        final InfoKeys shared = sharedInfo;
        if (shared != null)
        {
            sharedInfo = null;
            if (!shared.intInfo().isEmpty())
            {
                intInfo().putAll(shared.intInfo());
            }
            if (!shared.stringInfo().isEmpty())
            {
                stringInfo().putAll(shared.stringInfo());
            }
        }
    }

    /**
     * @param key a named integer key.
     * @return its value, or {@code null}.
     */
    public String intInfo(final IntInfoKey key)
    {
        return intInfoView().get(key.id());
    }

    /**
     * @param key a named integer key.
     * @param value its value.
     * @return this.
     */
    public TTHeader putIntInfo(final IntInfoKey key, final String value)
    {
        intInfo().put(key.id(), value);
        return this;
    }

    /**
     * @param key a string key.
     * @param value its value.
     * @return this.
     */
    public TTHeader putStringInfo(final String key, final String value)
    {
        stringInfo().put(key, value);
        return this;
    }

    /**
     * @return the ACL token, or {@code null} when the header carries none.
     */
    public String aclToken()
    {
        return aclToken;
    }

    /**
     * @param aclToken the ACL token, {@code null} for none.
     * @return this.
     */
    public TTHeader aclToken(final String aclToken)
    {
        this.aclToken = aclToken;
        changes++;
        return this;
    }

    /**
     * @return how many times a field other than the seq id was set or a mutable key map handed out.
     */
    int changes()
    {
        return changes;
    }

    /**
     * Return to the state of a new header so the instance can be reused.
     *
     * @return this.
     */
    public TTHeader reset()
    {
        flags = 0;
        seqId = 0;
        protocolId = TTHeaderDescriptor.PROTOCOL_THRIFT_BINARY;
        transformIds = NO_TRANSFORMS;
        if (stringInfo != null)
        {
            stringInfo.clear();
        }
        if (intInfo != null)
        {
            intInfo.clear();
        }
        sharedInfo = null;
        aclToken = null;
        changes++;
        return this;
    }

    @Override
    public String toString()
    {
        return "TTHeader{flags=0x" + Integer.toHexString(flags) + ", seqId=" + seqId + ", protocolId=" + protocolId +
            ", transforms=" + Arrays.toString(transformIds) + ", stringInfo=" + stringInfoView() +
            ", intInfo=" + intInfoView() +
            (aclToken != null ? ", aclToken=<" + aclToken.length() + " chars>" : "") + '}';
    }
}
