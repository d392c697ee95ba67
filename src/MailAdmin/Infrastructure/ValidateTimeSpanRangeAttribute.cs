using System;
using System.Globalization;
using System.Management.Automation;

namespace MailAdmin.Commands;

/// <summary>[ValidateRange] for TimeSpan (and TimeSpan[]) parameters: bounds as "d.hh:mm:ss" strings, checked when the parameter is bound.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateTimeSpanRangeAttribute : ValidateArgumentsAttribute
{
    public ValidateTimeSpanRangeAttribute(string minimum, string maximum)
    {
        Minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
        Maximum = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);
    }

    public TimeSpan Minimum { get; }
    public TimeSpan Maximum { get; }

    /// <summary>The error for a value outside the range, or null when it is inside.</summary>
    public string? Check(string parameter, TimeSpan value)
        => value < Minimum || value > Maximum
            ? $"-{parameter} {value.ToString("c", CultureInfo.InvariantCulture)} is out of range: it must be between {Minimum.ToString("c", CultureInfo.InvariantCulture)} and {Maximum.ToString("c", CultureInfo.InvariantCulture)}."
            : null;

    /// <summary>The error for a TimeSpan, or the first bad element of a TimeSpan[] (-RetrySchedule), or null.</summary>
    public string? Check(string parameter, object? value)
    {
        value = value is PSObject ps ? ps.BaseObject : value;
        if (value is TimeSpan span) return Check(parameter, span);
        if (value is TimeSpan[] spans)
        {
            foreach (var item in spans)
            {
                if (Check(parameter, item) is string error) return error;
            }
            return null;
        }
        return "The value is not a TimeSpan.";
    }

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var error = Check("value", arguments);
        if (error != null) throw new ValidationMetadataException(error);
    }
}
