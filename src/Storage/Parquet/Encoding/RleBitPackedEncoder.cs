using System.Buffers;

namespace Amber.Storage.Parquet.Encoding;

/// <summary>
/// The RLE / bit-packed hybrid encoding of parquet-format, used for definition levels and dictionary indices.
/// Runs of at least 8 equal values become RLE runs; everything else is bit-packed in groups of 8.
/// </summary>
/// <remarks>
/// Bit-packed runs must hold a multiple of 8 values, and only the very last group may be padded (the reader knows the
/// value count). So values are buffered per group of 8, and a repeat is only turned into an RLE run once it covers
/// at least 8 values starting at a group boundary.
/// </remarks>
public sealed class RleBitPackedEncoder
{
    private readonly int _bitWidth;
    private readonly int _valueBytes;
    private readonly ArrayBufferWriter<byte> _out;
    private readonly int[] _buffered = new int[8];
    private int _numBuffered;
    private int _previous;
    private int _repeatCount;
    private int _bitPackedHeaderPosition = -1;
    private int _bitPackedGroups;

    /// <summary>Creates an encoder for values of <paramref name="bitWidth"/> bits (0–32) appending to <paramref name="output"/>.</summary>
    public RleBitPackedEncoder(int bitWidth, ArrayBufferWriter<byte> output)
    {
        if (bitWidth is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(bitWidth), bitWidth, "bit width must be 0–32");
        _bitWidth = bitWidth;
        _valueBytes = (bitWidth + 7) / 8;
        _out = output;
    }

    /// <summary>Smallest bit width that holds <paramref name="maxValue"/>.</summary>
    public static int BitWidthOf(int maxValue) => maxValue == 0 ? 0 : 32 - int.LeadingZeroCount(maxValue);

    /// <summary>Appends one value.</summary>
    public void Write(int value)
    {
        if (value == _previous)
        {
            _repeatCount++;
            if (_repeatCount >= 8) return;
        }
        else
        {
            if (_repeatCount >= 8) WriteRleRun();
            _repeatCount = 1;
            _previous = value;
        }
        _buffered[_numBuffered++] = value;
        if (_numBuffered == 8) WriteBitPackedGroup();
    }

    /// <summary>Appends <paramref name="count"/> copies of <paramref name="value"/> (fast path for all-present columns).</summary>
    public void WriteRepeated(int value, int count)
    {
        // Fill the current group one by one; once a run is established the rest only bumps the counter.
        while (count > 0 && (_repeatCount < 8 || value != _previous))
        {
            Write(value);
            count--;
        }
        _repeatCount += count;
    }

    /// <summary>Flushes buffered values; the output is complete afterwards.</summary>
    public void Finish()
    {
        if (_repeatCount >= 8)
        {
            WriteRleRun();
        }
        else if (_numBuffered > 0)
        {
            for (int i = _numBuffered; i < 8; i++) _buffered[i] = 0;
            _numBuffered = 8;
            WriteBitPackedGroup();
        }
        EndBitPackedRun();
        _repeatCount = 0;
        _numBuffered = 0;
    }

    private void WriteBitPackedGroup()
    {
        // One header byte holds up to 63 groups; starting a new run then is cheaper than moving bytes.
        if (_bitPackedGroups >= 63) EndBitPackedRun();
        if (_bitPackedHeaderPosition < 0)
        {
            _bitPackedHeaderPosition = _out.WrittenCount;
            _out.GetSpan(1)[0] = 0;
            _out.Advance(1);
        }
        var span = _out.GetSpan(_bitWidth);
        span[.._bitWidth].Clear();
        // 8 values × bitWidth bits = exactly bitWidth bytes, packed least significant bit first.
        ulong acc = 0;
        int accBits = 0, pos = 0;
        for (int i = 0; i < 8; i++)
        {
            acc |= (ulong)(uint)_buffered[i] << accBits;
            accBits += _bitWidth;
            while (accBits >= 8)
            {
                span[pos++] = (byte)acc;
                acc >>= 8;
                accBits -= 8;
            }
        }
        _out.Advance(_bitWidth);
        _numBuffered = 0;
        _repeatCount = 0;
        _bitPackedGroups++;
    }

    private void EndBitPackedRun()
    {
        if (_bitPackedHeaderPosition < 0) return;
        // WrittenMemory is the live buffer: patching it in place sets the reserved header byte.
        var written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_out.WrittenMemory).Span;
        written[_bitPackedHeaderPosition] = (byte)((_bitPackedGroups << 1) | 1);
        _bitPackedHeaderPosition = -1;
        _bitPackedGroups = 0;
    }

    private void WriteRleRun()
    {
        EndBitPackedRun();
        var span = _out.GetSpan(10 + _valueBytes);
        int n = VarInt.Write(span, (uint)_repeatCount << 1);
        for (int i = 0; i < _valueBytes; i++) span[n + i] = (byte)(_previous >> (8 * i));
        _out.Advance(n + _valueBytes);
        _repeatCount = 0;
        _numBuffered = 0;
    }
}

/// <summary>Unsigned LEB128 varints as used by the hybrid encoding's run headers.</summary>
public static class VarInt
{
    /// <summary>Writes <paramref name="value"/>; returns the bytes used.</summary>
    public static int Write(Span<byte> span, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a varint at <paramref name="pos"/>, advancing it.</summary>
    public static uint Read(ReadOnlySpan<byte> span, ref int pos)
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= span.Length) throw new InvalidDataException("RLE/bit-packed hybrid: run header runs past the end of the page");
            byte b = span[pos++];
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("RLE/bit-packed hybrid: run header varint longer than 5 bytes");
    }
}
