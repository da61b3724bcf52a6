"""Starter matter types: what residents most often apply for, the lawyer each needs, the
papers to bring, who skips the means test (Legal Aid Law Art 32, 42) and who may use the
district's green channel. Local practice: edit them in the admin (法律援助 › 援助事项类型).

Rows are only added where the code has none, so admin edits survive, and `load` can be
rerun to restore the data after a test flush."""

from django.db import migrations

MIGRANT, DV = "migrant_worker", "dv_victim"

MATTER_TYPES = [
    # code, name, specialism, min years, papers, exempt groups, green-channel groups, criminal, guidance
    (
        "wage_arrears",
        "追索劳动报酬（讨薪）",
        "labour",
        0,
        ["identity", "labour_relation", "wage_evidence"],
        [MIGRANT],
        [MIGRANT],
        False,
        "老板拖欠工资、工程款里的人工费，都可以申请。请带上身份证，能证明您在那里干活的东西"
        "（劳动合同、工牌、考勤记录、工友证明都行），以及欠多少钱的证据（工资条、欠条、聊天记录、银行流水）。"
        "农民工讨薪不用证明家里经济困难；材料一时不齐也可以先申请，律师先指派，材料一周内补上。",
    ),
    (
        "work_injury",
        "工伤赔偿",
        "labour",
        0,
        ["identity", "labour_relation", "injury_certificate"],
        [MIGRANT],
        [MIGRANT],
        False,
        "干活时受伤要求单位赔偿的，可以申请。请带上身份证、劳动关系的证明、工伤认定书或医院的诊断证明。"
        "农民工请求工伤赔偿不用证明经济困难。",
    ),
    (
        "labour_dispute",
        "其他劳动争议（解除合同、社保等）",
        "labour",
        0,
        ["identity", "hardship", "labour_relation"],
        [],
        [],
        False,
        "被违法辞退、单位不交社保等劳动纠纷。请带上身份证、劳动合同或工作证明，并填写经济困难状况说明。",
    ),
    (
        "domestic_violence",
        "家庭暴力（人身安全保护令、离婚等）",
        "family",
        0,
        ["identity", "dv_evidence"],
        [DV],
        [DV],
        False,
        "受到家庭暴力，需要申请人身安全保护令、离婚或要求赔偿的，可以申请，不用证明经济困难。"
        "请带上身份证，以及能证明家暴的材料：派出所告诫书、报警回执、验伤单、照片、聊天记录都可以。"
        "材料一时不齐也可以先申请，律师先指派。",
    ),
    (
        "family",
        "婚姻家庭（离婚、抚养、赡养、继承）",
        "family",
        0,
        ["identity", "hardship", "case_documents"],
        [],
        [],
        False,
        "离婚、孩子抚养费、老人赡养费、继承等纠纷。请带上身份证、经济困难状况说明和相关材料（结婚证、户口本等）。",
    ),
    (
        "personal_injury",
        "人身损害赔偿（交通事故、医疗损害等）",
        "tort",
        0,
        ["identity", "hardship", "case_documents"],
        [],
        [],
        False,
        "交通事故、医疗事故等受伤要求赔偿的。请带上身份证、经济困难状况说明、事故认定书或病历等材料。",
    ),
    (
        "social_benefits",
        "请求社会保险待遇、最低生活保障、抚恤金",
        "administrative",
        0,
        ["identity", "hardship", "group_proof"],
        [],
        [],
        False,
        "申请社保待遇、低保、抚恤金等遇到困难的。请带上身份证、经济困难状况说明和相关证明。",
    ),
    (
        "debt_contract",
        "追讨欠款、合同纠纷",
        "contract",
        0,
        ["identity", "hardship", "case_documents"],
        [],
        [],
        False,
        "借钱不还、买卖或租房合同纠纷等。请带上身份证、经济困难状况说明、借条或合同等证据。",
    ),
    (
        "minor_protection",
        "未成年人权益保护",
        "minors",
        0,
        ["identity", "case_documents"],
        ["minor"],
        [],
        False,
        "未成年人的权益受到侵害（如被欺凌、被侵害、得不到抚养）。由监护人带上孩子和监护人的身份证件及相关材料申请。",
    ),
    (
        "criminal_defence",
        "刑事辩护",
        "criminal",
        0,
        ["identity", "hardship", "case_documents"],
        [],
        [],
        True,
        "犯罪嫌疑人、被告人因经济困难没有委托辩护人的，本人或近亲属可以申请。请带上身份证件、经济困难状况说明和案件材料。",
    ),
    (
        "criminal_defence_severe",
        "可能判处无期徒刑、死刑案件的辩护",
        "criminal",
        3,
        ["notice", "case_documents"],
        [],
        [],
        True,
        "由人民法院、人民检察院或公安机关通知法律援助机构指派律师（须三年以上刑事执业经历）。",
    ),
    (
        "criminal_victim",
        "刑事被害人代理（附带民事诉讼）",
        "criminal",
        0,
        ["identity", "hardship", "case_documents"],
        [],
        [],
        True,
        "刑事案件的被害人或近亲属要求赔偿的。请带上身份证、经济困难状况说明和案件材料。",
    ),
]


def load(apps, schema_editor):
    MatterType = apps.get_model("legalaid", "MatterType")
    for order, (code, name, specialism, years, papers, exempt, green, criminal, guidance) in enumerate(MATTER_TYPES):
        MatterType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "specialism": specialism,
                "min_years": years,
                "papers": papers,
                "exempt_groups": exempt,
                "green_channel_groups": green,
                "criminal": criminal,
                "guidance": guidance,
                "order": order,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("legalaid", "MatterType").objects.filter(code__in=[row[0] for row in MATTER_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("legalaid", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
