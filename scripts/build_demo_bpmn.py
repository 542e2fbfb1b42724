#!/usr/bin/env python3
"""Write the demo company's processes as BPMN files with diagrams (src/potok/demo/bpmn/*.bpmn).

The processes are described compactly below; this script lays them out left to right (rank by the longest
path from the start, branches stacked) and writes BPMN 2.0 XML with diagram interchange, so the files open
in Potok's designer, in Camunda Modeler and in bpmn.io. Run it after changing a description:

    python scripts/build_demo_bpmn.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parent.parent / "src" / "potok" / "demo" / "bpmn"

SIZES = {
    "start": (36, 36),
    "end": (36, 36),
    "user": (110, 80),
    "service": (110, 80),
    "xor": (50, 50),
    "and": (50, 50),
}
TAGS = {
    "start": "startEvent",
    "end": "endEvent",
    "user": "userTask",
    "service": "serviceTask",
    "xor": "exclusiveGateway",
    "and": "parallelGateway",
}


@dataclass
class Node:
    id: str
    kind: str
    name: str = ""
    extensions: str = ""
    default: str = ""


@dataclass
class Flow:
    source: str
    target: str
    name: str = ""
    condition: str = ""
    id: str = ""


@dataclass
class Process:
    key: str
    name: str
    nodes: list[Node]
    flows: list[Flow]
    documentation: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # The variables the process takes when it starts (`potok:variable`): a start rule mapping to any other
    # name is refused when it is saved.
    variables: tuple[str, ...] = ()


COMPLAINT_VARIABLES = ("complaint_id", "complaint_number", "client_id", "client_name", "amount", "severity")


def act(name: str, **parameters: str) -> str:
    inner = "".join(
        f'<potok:parameter name="{key}">{escape(value)}</potok:parameter>'
        for key, value in parameters.items()
    )
    return f'<potok:action name="{name}">{inner}</potok:action>'


ASSIGN = (
    '<potok:performer kind="role" role="department_head" object="department:record.department"/>'
    '<potok:deadline duration="4 working hours"/>'
    '<potok:escalation after="PT0S" action="notify" to="performer owner"/>'
    '<potok:field code="investigator" type="user" label-ru="Ответственный специалист" '
    'label-en="Responsible specialist" required="true"/>'
    '<potok:outcome code="assigned" label-ru="Назначить" label-en="Assign" style="primary"/>'
)


def investigate(duration: str) -> str:
    return (
        '<potok:performer kind="expression" value="investigator"/>'
        f'<potok:deadline duration="{duration}"/>'
        '<potok:reminder before="PT4H"/>'
        '<potok:escalation after="PT0S" action="notify" to="performer head"/>'
        '<potok:escalation after="1 working day" action="reassign" to="head"/>'
        '<potok:field code="compensation" type="money" label-ru="Предлагаемая компенсация, ₽" '
        'label-en="Proposed compensation, RUB" required="true"/>'
        '<potok:field code="findings" type="text" label-ru="Краткий вывод" label-en="Short finding"/>'
        '<potok:requires type="investigation_act" link="complaint"/>'
        '<potok:outcome code="done" label-ru="Расследование проведено" label-en="Investigation done" '
        'style="success"/>'
    )


APPROVE = (
    '<potok:performer kind="role" role="director"/>'
    '<potok:deadline duration="1 working day"/>'
    '<potok:field code="approval_comment" type="text" label-ru="Комментарий" label-en="Comment"/>'
    '<potok:outcome code="approve" label-ru="Согласовать" label-en="Approve" style="success"/>'
    '<potok:outcome code="reject" label-ru="Отклонить" label-en="Reject" style="danger"/>'
)
ANSWER = (
    '<potok:performer kind="performer-of" task="investigate"/>'
    '<potok:deadline duration="1 working day"/>'
    '<potok:field code="answer" type="text" label-ru="Текст ответа клиенту" label-en="Answer to the client" '
    'required="true"/>'
    '<potok:outcome code="sent" label-ru="Ответ отправлен" label-en="Answer sent" style="success"/>'
)
CONTRACT = (
    '<potok:performer kind="role" role="lawyer"/>'
    '<potok:deadline duration="2 working days"/>'
    '<potok:field code="contract_ok" type="boolean" label-ru="Условия договора соблюдены" '
    'label-en="Contract terms kept"/>'
    '<potok:outcome code="checked" label-ru="Договор проверен" label-en="Contract checked" style="success"/>'
)


def complaint_review(vip: bool) -> Process:
    nodes = [Node("start", "start", "Претензия зарегистрирована")]
    flows = []
    if vip:
        nodes.append(
            Node(
                "inform_director",
                "service",
                "Сообщить директору",
                act(
                    "notify",
                    to="'director'",
                    title="'VIP-клиент: новая претензия'",
                    body="'Зарегистрирована претензия VIP-клиента ' + string(record.number)",
                ),
            )
        )
        flows.append(Flow("start", "inform_director"))
        flows.append(Flow("inform_director", "assign"))
    else:
        flows.append(Flow("start", "assign"))
    nodes += [
        Node(
            "assign",
            "user",
            "Назначить ответственного",
            ASSIGN.replace("4 working hours", "2 working hours") if vip else ASSIGN,
        ),
        Node(
            "in_work", "service", "Взять претензию в работу", act("documents.set_status", status="'in_work'")
        ),
        Node(
            "investigate",
            "user",
            "Провести расследование",
            investigate("1 working day" if vip else "2 working days"),
        ),
    ]
    flows += [Flow("assign", "in_work"), Flow("in_work", "investigate")]
    if vip:
        nodes.append(Node("approve", "user", "Согласовать компенсацию", APPROVE))
        flows.append(Flow("investigate", "approve"))
        flows.append(Flow("approve", "split"))
    else:
        nodes += [
            Node("gw_amount", "xor", "Компенсация больше 10 000 ₽?", default="f_small"),
            Node("approve", "user", "Согласовать компенсацию", APPROVE),
            Node("gw_merge", "xor", ""),
        ]
        flows += [
            Flow("investigate", "gw_amount"),
            Flow("gw_amount", "approve", "да", "compensation > 10000"),
            Flow("gw_amount", "gw_merge", "нет", id="f_small"),
            Flow("approve", "gw_merge"),
            Flow("gw_merge", "split"),
        ]
    nodes += [
        Node("split", "and", ""),
        Node("answer", "user", "Подготовить ответ клиенту", ANSWER),
        Node("contract", "user", "Проверить договор", CONTRACT),
        Node("join", "and", ""),
        Node("close", "service", "Закрыть претензию", act("documents.set_status", status="'closed'")),
        Node("end", "end", "Претензия закрыта"),
    ]
    flows += [
        Flow("split", "answer"),
        Flow("split", "contract"),
        Flow("answer", "join"),
        Flow("contract", "join"),
        Flow("join", "close"),
        Flow("close", "end"),
    ]
    key = "complaint_review_vip" if vip else "complaint_review"
    name = "Рассмотрение претензии (VIP)" if vip else "Рассмотрение претензии"
    return Process(
        key,
        name,
        nodes,
        flows,
        "Рассмотрение претензии клиента: назначение, расследование с актом, "
        "согласование компенсации, ответ клиенту и проверка договора.",
        variables=COMPLAINT_VARIABLES,
    )


PROCESSES = [
    complaint_review(vip=False),
    complaint_review(vip=True),
    Process(
        "legal_review",
        "Юридическая проверка",
        [
            Node("start", "start", "Сумма претензии превысила 100 000 ₽"),
            Node(
                "check",
                "user",
                "Проверить претензию юридически",
                '<potok:performer kind="role" role="lawyer"/><potok:deadline duration="1 working day"/>'
                '<potok:field code="conclusion" type="text" label-ru="Заключение" label-en="Conclusion" required="true"/>'
                '<potok:outcome code="no_risk" label-ru="Рисков нет" label-en="No risk" style="success"/>'
                '<potok:outcome code="risk" label-ru="Есть риск" label-en="Risk" style="danger"/>',
            ),
            Node("gw_risk", "xor", "Есть риск?", default="f_no_risk"),
            Node(
                "inform",
                "service",
                "Сообщить директору",
                act(
                    "notify",
                    to="'director'",
                    title="'Юридический риск по претензии'",
                    body="'Юрист видит риск: ' + string(conclusion)",
                ),
            ),
            Node("end", "end", "Проверка завершена"),
        ],
        [
            Flow("start", "check"),
            Flow("check", "gw_risk"),
            Flow("gw_risk", "inform", "риск", "outcome = 'risk'"),
            Flow("gw_risk", "end", "нет", id="f_no_risk"),
            Flow("inform", "end"),
        ],
        variables=COMPLAINT_VARIABLES,
    ),
    Process(
        "overdue_complaint_control",
        "Контроль просроченной претензии",
        [
            Node("start", "start", "10 дней без закрытия"),
            Node(
                "review",
                "user",
                "Разобраться с просроченной претензией",
                '<potok:performer kind="role" role="department_head" object="department:record.department"/>'
                '<potok:deadline duration="1 working day"/>'
                '<potok:field code="measures" type="text" label-ru="Принятые меры" label-en="Measures taken" '
                'required="true"/>'
                '<potok:outcome code="done" label-ru="Меры приняты" label-en="Measures taken" style="primary"/>',
            ),
            Node("end", "end", "Контроль выполнен"),
        ],
        [Flow("start", "review"), Flow("review", "end")],
        variables=COMPLAINT_VARIABLES,
    ),
    Process(
        "client_distribution",
        "Распределение клиента",
        [
            Node("start", "start", "Новый клиент без менеджера"),
            Node(
                "take",
                "user",
                "Связаться с новым клиентом",
                '<potok:performer kind="role" role="sales_manager" strategy="round_robin"/>'
                '<potok:deadline duration="1 working day"/>'
                '<potok:field code="first_contact" type="text" label-ru="Итог первого контакта" '
                'label-en="First contact outcome" required="true"/>'
                '<potok:outcome code="contacted" label-ru="Клиент принят" label-en="Client taken" style="primary"/>',
            ),
            Node("end", "end", "Клиент распределён"),
        ],
        [Flow("start", "take"), Flow("take", "end")],
        variables=("counterparty_id", "counterparty_name", "segment"),
    ),
    Process(
        "compensation_payment",
        "Выплата компенсации",
        [
            Node("start", "start", "Компенсация согласована"),
            Node(
                "tell_accountant",
                "service",
                "Сообщить главному бухгалтеру",
                act(
                    "notify",
                    to="'glavbuh'",
                    title="'Выплатить компенсацию клиенту'",
                    body="'Компенсация по претензии ' + string(record.number)",
                ),
            ),
            Node(
                "pay",
                "user",
                "Выплатить компенсацию",
                '<potok:performer kind="role" role="director"/><potok:deadline duration="3 working days"/>'
                '<potok:outcome code="paid" label-ru="Выплачено" label-en="Paid" style="success"/>',
            ),
            Node("end", "end", "Выплачено"),
        ],
        [Flow("start", "tell_accountant"), Flow("tell_accountant", "pay"), Flow("pay", "end")],
        "Уведомляет главного бухгалтера (пользователь glavbuh) и ждёт подтверждения выплаты.",
        variables=("complaint_id",),
    ),
    Process(
        "deal_handover",
        "Передача в исполнение",
        [
            Node("start", "start", "Сделка выиграна"),
            Node(
                "handover",
                "user",
                "Передать сделку в исполнение",
                '<potok:performer kind="field" field="responsible"/>'
                '<potok:deadline duration="2 working days"/>'
                '<potok:field code="handover_notes" type="text" label-ru="Что передано" label-en="Handed over" '
                'required="true"/>'
                '<potok:outcome code="handed_over" label-ru="Передано" label-en="Handed over" style="success"/>',
            ),
            Node(
                "inform",
                "service",
                "Сообщить руководителю продаж",
                act(
                    "notify",
                    to="'sales_head'",
                    title="'Сделка передана в исполнение'",
                    body="string(handover_notes)",
                ),
            ),
            Node("end", "end", "Передано"),
        ],
        [Flow("start", "handover"), Flow("handover", "inform"), Flow("inform", "end")],
        variables=("deal_id", "deal_title", "amount", "client_id", "client_name"),
    ),
]


def layout(process: Process) -> dict[str, tuple[float, float, int, int]]:
    outgoing: dict[str, list[str]] = {}
    for flow in process.flows:
        outgoing.setdefault(flow.source, []).append(flow.target)
    rank: dict[str, int] = {process.nodes[0].id: 0}
    changed = True
    while changed:
        changed = False
        for flow in process.flows:
            if flow.source in rank and rank.get(flow.target, -1) < rank[flow.source] + 1 < 40:
                rank[flow.target] = rank[flow.source] + 1
                changed = True
    rows: dict[int, int] = {}
    boxes = {}
    for node in process.nodes:
        column = rank[node.id]
        row = rows.get(column, 0)
        rows[column] = row + 1
        width, height = SIZES[node.kind]
        center_x, center_y = 120 + column * 170, 160 + row * 140
        boxes[node.id] = (center_x - width / 2, center_y - height / 2, width, height)
    return boxes


def xml(process: Process) -> str:
    for number, flow in enumerate(process.flows, 1):
        flow.id = flow.id or f"f{number}"
    boxes = layout(process)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:potok="https://potok.dev/schema/bpmn/1.0" '
        f'id="Definitions_{process.key}" targetNamespace="https://potok.dev/demo" exporter="Potok demo" '
        'exporterVersion="1">',
        f'  <bpmn:process id="{process.key}" name={quoteattr(process.name)} isExecutable="true">',
    ]
    if process.documentation:
        parts.append(f"    <bpmn:documentation>{escape(process.documentation)}</bpmn:documentation>")
    if process.variables:
        declared = "".join(f'<potok:variable name="{name}"/>' for name in process.variables)
        parts.append(f"    <bpmn:extensionElements>{declared}</bpmn:extensionElements>")
    for node in process.nodes:
        attributes = f'id="{node.id}"' + (f" name={quoteattr(node.name)}" if node.name else "")
        if node.default:
            attributes += f' default="{node.default}"'
        body = (
            f"<bpmn:extensionElements>{node.extensions}</bpmn:extensionElements>" if node.extensions else ""
        )
        parts.append(f"    <bpmn:{TAGS[node.kind]} {attributes}>{body}</bpmn:{TAGS[node.kind]}>")
    for flow in process.flows:
        attributes = f'id="{flow.id}" sourceRef="{flow.source}" targetRef="{flow.target}"'
        if flow.name:
            attributes += f" name={quoteattr(flow.name)}"
        if flow.condition:
            parts.append(
                f'    <bpmn:sequenceFlow {attributes}><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                f"{escape(flow.condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>"
            )
        else:
            parts.append(f"    <bpmn:sequenceFlow {attributes}/>")
    parts.append("  </bpmn:process>")
    parts.append(f'  <bpmndi:BPMNDiagram id="Diagram_{process.key}">')
    parts.append(f'    <bpmndi:BPMNPlane id="Plane_{process.key}" bpmnElement="{process.key}">')
    for node in process.nodes:
        x, y, width, height = boxes[node.id]
        marker = ' isMarkerVisible="true"' if node.kind == "xor" else ""
        parts.append(
            f'      <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}"{marker}>'
            f'<dc:Bounds x="{x:.0f}" y="{y:.0f}" width="{width}" height="{height}"/></bpmndi:BPMNShape>'
        )
    for flow in process.flows:
        sx, sy, sw, sh = boxes[flow.source]
        tx, ty, _width, th = boxes[flow.target]
        start = (sx + sw, sy + sh / 2)
        end = (tx, ty + th / 2)
        points = [start]
        if abs(start[1] - end[1]) > 1:
            middle = (start[0] + end[0]) / 2
            points += [(middle, start[1]), (middle, end[1])]
        points.append(end)
        waypoints = "".join(f'<di:waypoint x="{x:.0f}" y="{y:.0f}"/>' for x, y in points)
        parts.append(
            f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">{waypoints}</bpmndi:BPMNEdge>'
        )
    parts += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>", "</bpmn:definitions>", ""]
    return "\n".join(parts)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for process in PROCESSES:
        (OUT / f"{process.key}.bpmn").write_text(xml(process), encoding="utf-8")
        print(f"wrote {process.key}.bpmn")


if __name__ == "__main__":
    main()
