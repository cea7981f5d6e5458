using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Amber.Worker.Collectives;

/// <summary>
/// The first bytes on a ring connection. The connecting rank sends
/// <c>magic u32 | version u16 | rank i32 | world i32 | gang-id length u16 | gang id (UTF-8)</c>; the accepting rank answers
/// one byte, <see cref="Accepted"/> or <see cref="Refused"/>, and closes a refused connection. All little-endian.
/// Everything here is synchronous on purpose: a .NET socket once used asynchronously stays non-blocking underneath, and
/// its later synchronous sends and receives then allocate per call; the ring's hot path must not.
/// </summary>
internal static class RingHandshake
{
    public const uint Magic = 0x474E_4952; // "RING"
    public const ushort Version = 1;
    public const int MaxGangIdBytes = 1024;
    public const byte Accepted = 1;
    public const byte Refused = 0;
    private const int FixedBytes = 4 + 2 + 4 + 4 + 2;

    /// <summary>The hello a rank sends to its right neighbour.</summary>
    public static byte[] Hello(string gangId, int rank, int worldSize)
    {
        var id = Encoding.UTF8.GetBytes(gangId);
        var message = new byte[FixedBytes + id.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(6), rank);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(10), worldSize);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(14), (ushort)id.Length);
        id.CopyTo(message, FixedBytes);
        return message;
    }

    /// <summary>
    /// Reads a hello and checks it against this gang; returns null when it is the expected left neighbour, else why the
    /// connection is refused.
    /// </summary>
    public static string? ReadAndCheck(Socket socket, GangMembership gang)
    {
        var (hello, malformed) = Read(socket);
        return malformed ?? Check(hello!, gang);
    }

    /// <summary>Reads a hello: the hello, or why the bytes are not one.</summary>
    public static (RingHello? Hello, string? Malformed) Read(Socket socket)
    {
        var head = new byte[FixedBytes];
        if (!TryReadExactly(socket, head))
        {
            return (null, "closed before a complete hello");
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(4));
        var rank = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(6));
        var world = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(10));
        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(14));
        if (magic != Magic || version != Version)
        {
            return (null, $"not a ring hello (magic 0x{magic:X8}, version {version}; expected 0x{Magic:X8}, {Version})");
        }
        if (idLength > MaxGangIdBytes)
        {
            return (null, $"gang id of {idLength} bytes (at most {MaxGangIdBytes})");
        }
        var id = new byte[idLength];
        if (!TryReadExactly(socket, id))
        {
            return (null, "closed before a complete hello");
        }
        return (new RingHello(Encoding.UTF8.GetString(id), rank, world), null);
    }

    /// <summary>Null when <paramref name="hello"/> comes from this gang's left neighbour, else why it is refused.</summary>
    public static string? Check(RingHello hello, GangMembership gang)
    {
        if (hello.GangId != gang.GangId)
        {
            return $"gang '{hello.GangId}', this rank is in gang '{gang.GangId}' (a stale or foreign connection)";
        }
        if (hello.WorldSize != gang.WorldSize || hello.Rank != gang.Left)
        {
            return $"rank {hello.Rank} of {hello.WorldSize}; expected the left neighbour, rank {gang.Left} of {gang.WorldSize}";
        }
        return null;
    }

    /// <summary>Answers <see cref="Refused"/> (if the peer still listens) and closes the connection.</summary>
    public static void Refuse(Socket socket)
    {
        try
        {
            socket.Send([Refused]);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The refused peer is gone already.
        }
        socket.Dispose();
    }

    private static bool TryReadExactly(Socket socket, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = socket.Receive(buffer[read..]);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}

/// <summary>What a connecting rank says: its gang, its rank and the gang's size.</summary>
internal sealed record RingHello(string GangId, int Rank, int WorldSize);
