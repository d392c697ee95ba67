using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>MiniJson's writer (the HTTP API's JSON): order kept, escapes, numbers and dates, and what its reader makes of it.</summary>
public class MiniJsonSerializeTests
{
    [Fact]
    public void WritesObjectsInOrderWithEscapes()
    {
        var value = new Dictionary<string, object?>
        {
            ["b"] = "quote \" backslash \\ newline \n tab \t control \u0001 separator \u2028",
            ["a"] = new List<object?> { 1, 2L, 3u, 1.5, true, false, null },
            ["When"] = new DateTimeOffset(2026, 12, 3, 9, 30, 15, 250, TimeSpan.FromHours(1)),
            ["Empty"] = new Dictionary<string, object?>(),
        };
        var json = MiniJson.Serialize(value);
        Assert.Equal("{\"b\":\"quote \\\" backslash \\\\ newline \\n tab \\t control \\u0001 separator \\u2028\","
            + "\"a\":[1,2,3,1.5,true,false,null],\"When\":\"2026-12-03T09:30:15.250+01:00\",\"Empty\":{}}", json);
        var back = (Dictionary<string, object?>)MiniJson.Parse(json)!;
        Assert.Equal(value["b"], back["b"]);
        Assert.Equal(new object?[] { 1.0, 2.0, 3.0, 1.5, true, false, null }, (List<object?>)back["a"]!);
    }

    [Fact]
    public void RefusesTypesItDoesNotKnow()
    {
        Assert.Throws<ArgumentException>(() => MiniJson.Serialize(new object()));
    }
}
