using Amber.Worker.Tests.Collectives;

namespace Amber.Worker.Tests;

/// <summary>
/// Entry point of this assembly when a test starts it as a child process (<c>dotnet Amber.Worker.Tests.dll ring-peer …</c>);
/// the test runner does not use it.
/// </summary>
public static class Program
{
    /// <summary>Dispatches to the child-process roles.</summary>
    public static int Main(string[] args) => args is ["ring-peer", .. var rest]
        ? RingPeerProcess.Run(rest)
        : Usage();

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Amber.Worker.Tests ring-peer <timeout-seconds> <floats>");
        return 2;
    }
}
