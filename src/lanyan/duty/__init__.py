"""Duty strength, people, training and unit management (执勤实力、人员、练兵考核、队伍管理)."""
