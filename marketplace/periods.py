"""A period of whole days in the market's time zone (Asia/Ho_Chi_Minh), for reports.

Reports group by the local day (``TruncDate(..., tzinfo=period.tz)``) and filter with the
period's aware bounds, so an order placed at 23:30 on 5 Dec in Hà Nội counts on 5 Dec, not
on the UTC date.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone


def market_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def last_days(cls, days: int, *, today: datetime.date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today - datetime.timedelta(days=days - 1), today)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return market_tz()

    @property
    def since(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time.min, tzinfo=self.tz)

    @property
    def until(self) -> datetime.datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=self.tz
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=n) for n in range(self.days)]

    def filter(self, queryset, field: str):
        return queryset.filter(**{f"{field}__gte": self.since, f"{field}__lt": self.until})
