using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Amber.Worker.Collectives;

/// <summary>
/// A worker's TCP listener for ring connections. Started once per worker; its <see cref="Endpoint"/> is what the worker
/// advertises (through its worker grain). Each gang formed by <see cref="TcpRingCollective.Connect"/> accepts its left
/// neighbour from it; connections of other gangs are refused in the handshake, so one listener serves attempt after attempt.
/// </summary>
public sealed class RingListener : IDisposable
{
    private readonly Socket _socket;

    private RingListener(Socket socket, string endpoint)
    {
        _socket = socket;
        Endpoint = endpoint;
    }

    /// <summary>The advertised endpoint, <c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// Listens on <paramref name="bind"/>:<paramref name="port"/> (port 0: any free port). <paramref name="advertisedHost"/>
    /// is the host name or address peers should dial (default: the bound address, which must then not be a wildcard).
    /// </summary>
    public static RingListener Start(IPAddress bind, int port = 0, string? advertisedHost = null, int socketBufferBytes = 4 * 1024 * 1024)
    {
        if ((bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any)) && advertisedHost is null)
        {
            throw new ArgumentException($"Listening on the wildcard address {bind} needs an advertisedHost peers can dial.", nameof(advertisedHost));
        }
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Accepted sockets inherit these, and the window size is negotiated at connect time.
            socket.ReceiveBufferSize = socketBufferBytes;
            socket.SendBufferSize = socketBufferBytes;
            socket.Bind(new IPEndPoint(bind, port));
            socket.Listen(16);
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            var host = advertisedHost ?? (bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString());
            return new RingListener(socket, $"{host}:{bound.Port.ToString(CultureInfo.InvariantCulture)}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the next connection within <paramref name="wait"/>, else null (the caller runs the handshake).</summary>
    internal Socket? TryAccept(TimeSpan wait)
    {
        var micros = (int)Math.Clamp(wait.TotalMicroseconds, 0, int.MaxValue);
        return _socket.Poll(micros, SelectMode.SelectRead) ? _socket.Accept() : null;
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _socket.Dispose();

    /// <summary>Splits <c>host:port</c> (or <c>[v6]:port</c>) into host and port.</summary>
    internal static (string Host, int Port) Parse(string endpoint)
    {
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Endpoint '{endpoint}' is not host:port (port 1–65535).");
        }
        var host = endpoint![..colon].Trim('[', ']');
        return (host, port);
    }
}
