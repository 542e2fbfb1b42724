"""Sales data: catalogue (units, VAT rates, products, price lists), pipelines and stages, deals with lines
and stage history, leads, the company's requisites and the quotes and invoices issued from deals.

Written only by potok.sales.services; read through potok.sales.selectors."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Currency(models.TextChoices):
    RUB = "RUB", _("Russian rouble")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("euro")
    CNY = "CNY", _("yuan")


class Unit(models.Model):
    """A unit of measure of the ОКЕИ classifier (796 шт, 166 кг…); the common ones ship as data."""

    code = models.CharField(_("ОКЕИ code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    symbol = models.CharField(_("symbol"), max_length=20)

    class Meta:
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        ordering = ["symbol"]

    def __str__(self) -> str:
        return self.symbol


class VatRate(models.Model):
    """A VAT rate as data: 20 %, 10 %, 0 %, «без НДС», and 22 % (the general rate from 2026)."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=50)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2, default=Decimal(0))
    # «Без НДС» is not the same as 0 %: the invoice says "Без налога (НДС)" instead of a VAT line.
    exempt = models.BooleanField(_("not subject to VAT"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    GOODS = "goods", _("goods")
    SERVICE = "service", _("service")


class Product(models.Model):
    """An item of the catalogue (номенклатура): goods or a service."""

    name = models.CharField(_("name"), max_length=300)
    article = models.CharField(_("article"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind.choices, default=ProductKind.GOODS)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    vat_rate = models.ForeignKey(
        VatRate, verbose_name=_("VAT rate"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=~Q(article=""), name="product_unique_article"
            )
        ]
        indexes = [models.Index(fields=["name", "id"], name="product_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.article})" if self.article else self.name


class PriceList(models.Model):
    """Prices in roubles; `vat_included` says whether its prices already contain VAT."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    vat_included = models.BooleanField(_("prices include VAT"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    price = models.DecimalField(
        _("price"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list_product")
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.price}"


class Pipeline(models.Model):
    """A sales pipeline (воронка) with its own ordered stages."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("deal stage", "open")
    WON = "won", _("won")
    LOST = "lost", _("lost")


class Stage(models.Model):
    """A stage of a pipeline, with what a deal needs before it may move on (the sales method):

    - `required_fields`: deal fields that must be filled (names from DEAL_REQUIRABLE_FIELDS);
    - `checklist`: items to tick, [{"code": "...", "text": "..."}];
    - `hints`: advice shown to the manager while the deal is at this stage.
    """

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(
        _("probability, %"), default=0, validators=[MaxValueValidator(100)]
    )
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    hints = models.TextField(_("hints for the manager"), blank=True)
    color = models.CharField(_("colour"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "code"], name="stage_code_per_pipeline"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class LossReason(models.Model):
    """Why a deal was lost: a list the administrator keeps."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class LeadSource(models.TextChoices):
    SITE_FORM = "site_form", _("site form")
    CALL = "call", _("call")
    EMAIL = "email", _("email")
    EXHIBITION = "exhibition", _("exhibition")
    IMPORT = "import", _("import")
    OTHER = "other", _("other")


class LeadStatus(models.TextChoices):
    NEW = "new", _("new")
    QUALIFYING = "qualifying", _("qualifying")
    QUALIFIED = "qualified", _("qualified")
    REJECTED = "rejected", _("rejected")
    CONVERTED = "converted", _("converted")


class Lead(models.Model):
    """An inquiry (лид, обращение) not yet a client: who asked, how to reach him, and what he needs."""

    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.CALL)
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    title = models.CharField(_("subject"), max_length=300)
    company_name = models.CharField(_("company"), max_length=300, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=300, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    need = models.TextField(_("need"), blank=True)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    counterparty = models.ForeignKey(
        "clients.Counterparty",
        verbose_name=_("counterparty"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        "clients.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["status", "-id"], name="lead_by_status"),
            models.Index(fields=["responsible", "-id"], name="lead_by_responsible"),
        ]

    def __str__(self) -> str:
        return self.title


class Deal(models.Model):
    """A deal (сделка, интерес) moving through the stages of one pipeline."""

    title = models.CharField(_("title"), max_length=300)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    # When the deal entered its current stage: start rules count "longer than N working days" from it.
    stage_entered_at = models.DateTimeField(_("in the stage since"))
    counterparty = models.ForeignKey(
        "clients.Counterparty",
        verbose_name=_("counterparty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    contacts = models.ManyToManyField(
        "clients.Contact", verbose_name=_("contacts"), blank=True, related_name="deals"
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB)
    vat_included = models.BooleanField(_("VAT included in prices"), default=True)
    price_list = models.ForeignKey(
        PriceList,
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name=_("loss reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    loss_comment = models.CharField(_("loss comment"), max_length=500, blank=True)
    # Ticked checklist items: {"<stage id>": ["<item code>", ...]}.
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    # Values of the custom fields an administrator defined for deals (field code → stored value).
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # One board column: the deals of a stage, newest in the stage first, paged by keyset.
            models.Index(
                fields=["stage", "-stage_entered_at", "-id"],
                name="deal_board_column",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["pipeline", "expected_close_date"], name="deal_by_close_date"),
            models.Index(fields=["responsible", "-id"], name="deal_by_responsible"),
            models.Index(fields=["counterparty", "-id"], name="deal_by_counterparty"),
            models.Index(fields=["-id"], name="deal_newest"),
        ]

    def __str__(self) -> str:
        return self.title


class DealLine(models.Model):
    """A product or service in a deal. Amounts are computed by the services (potok.sales.totals) and kept,
    so lists and documents show exactly what was computed once."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, default="шт")
    unit_code = models.CharField(_("ОКЕИ code"), max_length=3, default="796")
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=3)
    price = models.DecimalField(_("price"), max_digits=16, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    vat_rate = models.ForeignKey(
        VatRate, verbose_name=_("VAT rate"), on_delete=models.PROTECT, related_name="+"
    )
    discount_amount = models.DecimalField(_("discount"), max_digits=16, decimal_places=2, default=Decimal(0))
    net_amount = models.DecimalField(
        _("amount without VAT"), max_digits=16, decimal_places=2, default=Decimal(0)
    )
    vat_amount = models.DecimalField(_("VAT"), max_digits=16, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["deal", "position", "id"]

    def __str__(self) -> str:
        return self.name


class StageVisit(models.Model):
    """One stay of a deal in a stage (the stage history): funnel conversion and time in stage come from
    these rows."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="visits")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="visits")
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("stage history entry")
        verbose_name_plural = _("stage history")
        ordering = ["deal", "entered_at", "id"]
        indexes = [
            models.Index(fields=["pipeline", "entered_at"], name="visit_by_pipeline"),
            models.Index(fields=["stage", "entered_at"], name="visit_by_stage"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["deal"], condition=Q(left_at__isnull=True), name="one_current_stage_per_deal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} in {self.stage_id} from {self.entered_at:%Y-%m-%d}"


class CompanySettings(models.Model):
    """The company's own requisites, printed on quotes and invoices. One row (pk 1)."""

    name = models.CharField(_("name"), max_length=300, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    ogrn = models.CharField(_("ОГРН"), max_length=15, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    bank_name = models.CharField(_("bank"), max_length=300, blank=True)
    bik = models.CharField(_("БИК"), max_length=9, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    settlement_account = models.CharField(_("settlement account"), max_length=20, blank=True)
    director = models.CharField(_("director"), max_length=200, blank=True)
    accountant = models.CharField(_("chief accountant"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("company requisites")
        verbose_name_plural = _("company requisites")

    def __str__(self) -> str:
        return self.name or "—"


class SalesDocumentKind(models.TextChoices):
    QUOTE = "quote", _("quote")
    INVOICE = "invoice", _("invoice")


class DocumentCounter(models.Model):
    """The last number issued per kind and year. Incremented under a row lock in the transaction that
    creates the document, so numbers have no gaps and no duplicates."""

    kind = models.CharField(max_length=16, choices=SalesDocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="one_counter_per_kind_year")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class SalesDocument(models.Model):
    """A quote (коммерческое предложение) or an invoice (счёт на оплату) issued from a deal.

    Lines, amounts and both parties' requisites are copied in when it is issued: a later change of the
    deal or of the requisites does not change a document already sent."""

    kind = models.CharField(_("kind"), max_length=16, choices=SalesDocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    issued_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="documents")
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB)
    vat_included = models.BooleanField(_("VAT included in prices"), default=True)
    net_amount = models.DecimalField(_("amount without VAT"), max_digits=16, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=16, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    lines = models.JSONField(_("lines"), default=list)
    seller = models.JSONField(_("seller"), default=dict)
    buyer = models.JSONField(_("buyer"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sales document")
        verbose_name_plural = _("sales documents")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "number"], name="sales_document_number_unique")
        ]
        indexes = [models.Index(fields=["deal", "-id"], name="sales_document_by_deal")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} № {self.number} ({self.issued_on:%d.%m.%Y})"
