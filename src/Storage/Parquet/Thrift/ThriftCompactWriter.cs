using System.Buffers;
using System.Text;

namespace Amber.Storage.Parquet.Thrift;

/// <summary>
/// Writes the Thrift compact protocol, which is how Parquet serializes its footer and page headers.
/// Only the pieces Parquet uses: structs, fields, i16/i32/i64, binary/string, bool, lists.
/// </summary>
public sealed class ThriftCompactWriter
{
    private readonly IBufferWriter<byte> _output;
    // The compact protocol encodes a field id as a delta from the previous id of the same struct, so nesting needs a stack.
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;

    /// <summary>Creates a writer appending to <paramref name="output"/>.</summary>
    public ThriftCompactWriter(IBufferWriter<byte> output) => _output = output;

    /// <summary>Starts a nested struct (the field header must already be written).</summary>
    public void BeginStruct()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    /// <summary>Ends a struct with the STOP byte.</summary>
    public void EndStruct()
    {
        WriteByte(0);
        _lastFieldId = _lastFieldIds.Pop();
    }

    /// <summary>Writes an i32 field (also used for enums).</summary>
    public void WriteI32Field(short id, int value)
    {
        WriteFieldHeader(id, CompactType.I32);
        WriteVarInt(ZigZag(value));
    }

    /// <summary>Writes an i16 field.</summary>
    public void WriteI16Field(short id, short value)
    {
        WriteFieldHeader(id, CompactType.I16);
        WriteVarInt(ZigZag(value));
    }

    /// <summary>Writes an i64 field.</summary>
    public void WriteI64Field(short id, long value)
    {
        WriteFieldHeader(id, CompactType.I64);
        WriteVarInt(ZigZag(value));
    }

    /// <summary>Writes a bool field; the compact protocol folds the value into the field type.</summary>
    public void WriteBoolField(short id, bool value) => WriteFieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);

    /// <summary>Writes a UTF-8 string field.</summary>
    public void WriteStringField(short id, string value)
    {
        WriteFieldHeader(id, CompactType.Binary);
        WriteString(value);
    }

    /// <summary>Writes a binary field.</summary>
    public void WriteBinaryField(short id, ReadOnlySpan<byte> value)
    {
        WriteFieldHeader(id, CompactType.Binary);
        WriteBinary(value);
    }

    /// <summary>Writes the header of a struct field; follow with <see cref="BeginStruct"/>.</summary>
    public void WriteStructFieldHeader(short id) => WriteFieldHeader(id, CompactType.Struct);

    /// <summary>Writes the header of a list field and the list header.</summary>
    public void WriteListFieldHeader(short id, CompactType elementType, int count)
    {
        WriteFieldHeader(id, CompactType.List);
        WriteListHeader(elementType, count);
    }

    /// <summary>Writes a list header (element type and size).</summary>
    public void WriteListHeader(CompactType elementType, int count)
    {
        if (count < 15)
        {
            WriteByte((byte)((count << 4) | (int)elementType));
        }
        else
        {
            WriteByte((byte)(0xF0 | (int)elementType));
            WriteVarInt((uint)count);
        }
    }

    /// <summary>Writes an i32 list element.</summary>
    public void WriteI32(int value) => WriteVarInt(ZigZag(value));

    /// <summary>Writes a string list element.</summary>
    public void WriteString(string value)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = _output.GetSpan(max + 5);
        int n = System.Text.Encoding.UTF8.GetBytes(value, span[5..]);
        int header = WriteVarIntTo(span, (uint)n);
        if (header != 5) span.Slice(5, n).CopyTo(span[header..]);
        _output.Advance(header + n);
    }

    /// <summary>Writes a binary list element.</summary>
    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        WriteVarInt((uint)value.Length);
        var span = _output.GetSpan(value.Length);
        value.CopyTo(span);
        _output.Advance(value.Length);
    }

    private void WriteFieldHeader(short id, CompactType type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            WriteByte((byte)((delta << 4) | (int)type));
        }
        else
        {
            WriteByte((byte)type);
            WriteVarInt(ZigZag(id));
        }
        _lastFieldId = id;
    }

    private void WriteByte(byte b)
    {
        var span = _output.GetSpan(1);
        span[0] = b;
        _output.Advance(1);
    }

    private void WriteVarInt(ulong value)
    {
        var span = _output.GetSpan(10);
        _output.Advance(WriteVarIntTo(span, value));
    }

    private static int WriteVarIntTo(Span<byte> span, ulong value)
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

    private static uint ZigZag(int v) => (uint)((v << 1) ^ (v >> 31));

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
}

/// <summary>Type nibbles of the Thrift compact protocol.</summary>
public enum CompactType : byte
{
    /// <summary>End of a struct.</summary>
    Stop = 0,
    /// <summary>A bool field whose value is true.</summary>
    BooleanTrue = 1,
    /// <summary>A bool field whose value is false (or a bool list element).</summary>
    BooleanFalse = 2,
    /// <summary>One byte.</summary>
    Byte = 3,
    /// <summary>Zigzag varint i16.</summary>
    I16 = 4,
    /// <summary>Zigzag varint i32.</summary>
    I32 = 5,
    /// <summary>Zigzag varint i64.</summary>
    I64 = 6,
    /// <summary>8-byte little-endian double.</summary>
    Double = 7,
    /// <summary>Length-prefixed bytes.</summary>
    Binary = 8,
    /// <summary>A list.</summary>
    List = 9,
    /// <summary>A set.</summary>
    Set = 10,
    /// <summary>A map.</summary>
    Map = 11,
    /// <summary>A nested struct.</summary>
    Struct = 12,
}
