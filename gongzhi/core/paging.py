class MappedPage:
    """A queryset the API paginator can count and slice, mapping only the slice it returns.

    Masking personal data row by row needs Python; this keeps that work to one page.
    """

    def __init__(self, queryset, mapper):
        self.queryset, self.mapper = queryset, mapper

    def __len__(self):
        return self.queryset.count()

    def count(self):
        return self.queryset.count()

    def __getitem__(self, item):
        return self.mapper(self.queryset[item])
