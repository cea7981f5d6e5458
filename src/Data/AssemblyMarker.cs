namespace Amber.Data;
/// <summary>Marker for the assembly; removed once the project has real types.</summary>
internal static class AssemblyMarker { }
