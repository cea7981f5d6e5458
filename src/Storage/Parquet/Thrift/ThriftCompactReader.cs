using System.Text;

namespace Amber.Storage.Parquet.Thrift;

/// <summary>
/// Reads the Thrift compact protocol from a byte buffer: field headers, scalars, lists, and skipping of fields a caller
/// does not know (Parquet files from newer writers carry fields this reader ignores).
/// </summary>
public sealed class ThriftCompactReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;
    private bool _pendingBool;

    /// <summary>Reads <paramref name="count"/> bytes of <paramref name="buffer"/> starting at <paramref name="offset"/>.</summary>
    public ThriftCompactReader(byte[] buffer, int offset, int count)
    {
        _buffer = buffer;
        Position = offset;
        _end = offset + count;
    }

    /// <summary>Offset of the next unread byte in the buffer.</summary>
    public int Position { get; private set; }

    /// <summary>Enters a struct.</summary>
    public void BeginStruct()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    /// <summary>Leaves a struct (after <see cref="ReadFieldHeader"/> returned <see cref="CompactType.Stop"/>).</summary>
    public void EndStruct() => _lastFieldId = _lastFieldIds.Pop();

    /// <summary>Reads the next field header; type <see cref="CompactType.Stop"/> means the struct ended.</summary>
    public (short Id, CompactType Type) ReadFieldHeader()
    {
        byte b = ReadByte();
        var type = (CompactType)(b & 0x0F);
        if (type == CompactType.Stop) return (0, CompactType.Stop);
        int delta = b >> 4;
        short id = delta != 0 ? (short)(_lastFieldId + delta) : (short)ZigZag32(ReadVarInt());
        _lastFieldId = id;
        if (type is CompactType.BooleanTrue or CompactType.BooleanFalse) _pendingBool = type == CompactType.BooleanTrue;
        return (id, type);
    }

    /// <summary>The value of a bool field whose header was just read.</summary>
    public bool ReadBoolField() => _pendingBool;

    /// <summary>Reads an i16, i32 or enum.</summary>
    public int ReadI32() => ZigZag32(ReadVarInt());

    /// <summary>Reads an i64.</summary>
    public long ReadI64()
    {
        ulong v = ReadVarInt();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>Reads a length-prefixed byte string.</summary>
    public byte[] ReadBinary()
    {
        int n = checked((int)ReadVarInt());
        Require(n);
        var result = _buffer.AsSpan(Position, n).ToArray();
        Position += n;
        return result;
    }

    /// <summary>Reads a UTF-8 string.</summary>
    public string ReadString()
    {
        int n = checked((int)ReadVarInt());
        Require(n);
        var s = System.Text.Encoding.UTF8.GetString(_buffer, Position, n);
        Position += n;
        return s;
    }

    /// <summary>Reads a list header.</summary>
    public (CompactType ElementType, int Count) ReadListHeader()
    {
        byte b = ReadByte();
        int count = b >> 4;
        if (count == 15) count = checked((int)ReadVarInt());
        return ((CompactType)(b & 0x0F), count);
    }

    /// <summary>Skips a value of the given type, including nested structs and lists.</summary>
    public void Skip(CompactType type)
    {
        switch (type)
        {
            case CompactType.BooleanTrue or CompactType.BooleanFalse: break;
            case CompactType.Byte: ReadByte(); break;
            case CompactType.I16 or CompactType.I32 or CompactType.I64: ReadVarInt(); break;
            case CompactType.Double: Require(8); Position += 8; break;
            case CompactType.Binary:
                int n = checked((int)ReadVarInt());
                Require(n);
                Position += n;
                break;
            case CompactType.List or CompactType.Set:
                var (elementType, count) = ReadListHeader();
                for (int i = 0; i < count; i++)
                {
                    // Bool list elements are one byte each, unlike bool fields.
                    if (elementType is CompactType.BooleanTrue or CompactType.BooleanFalse) ReadByte();
                    else Skip(elementType);
                }
                break;
            case CompactType.Map:
                int size = checked((int)ReadVarInt());
                if (size > 0)
                {
                    byte kv = ReadByte();
                    for (int i = 0; i < size; i++)
                    {
                        Skip((CompactType)(kv >> 4));
                        Skip((CompactType)(kv & 0x0F));
                    }
                }
                break;
            case CompactType.Struct:
                BeginStruct();
                while (true)
                {
                    var (_, t) = ReadFieldHeader();
                    if (t == CompactType.Stop) break;
                    Skip(t);
                }
                EndStruct();
                break;
            default:
                throw new InvalidDataException($"Thrift compact protocol: unknown type nibble {(int)type} at byte {Position}");
        }
    }

    private byte ReadByte()
    {
        Require(1);
        return _buffer[Position++];
    }

    private ulong ReadVarInt()
    {
        ulong result = 0;
        int shift = 0;
        while (true)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
            shift += 7;
            if (shift > 63) throw new InvalidDataException($"Thrift compact protocol: varint longer than 10 bytes at byte {Position}");
        }
    }

    private void Require(int n)
    {
        if (n < 0 || Position + n > _end)
            throw new InvalidDataException($"Thrift compact protocol: needs {n} more bytes at byte {Position} but the structure ends at byte {_end} (truncated or corrupt metadata)");
    }

    private static int ZigZag32(ulong v) => (int)(uint)(v >> 1) ^ -(int)(v & 1);
}
